#include "training/datasets/create_data.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "render/buffer_renderer.h"
#include "training/align/sidecar.h"
#include "training/datasets/lmdb_dataset.h"
#include "training/photo_io/image_file.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/deca_preprocess.h"
#include "training/rig/fit_job.h"
#include "training/rig/rig_file.h"
#include "training/rig/rig_renderer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

namespace fs = std::filesystem;

namespace drig::datasets {
namespace {

// TestData's glob: *.jpg, *.png, *.bmp (case-sensitive), sorted by full path.
std::vector<fs::path> list_inputs(const fs::path& dir) {
  DRIG_CHECK(fs::is_directory(dir), "{}: the data folder does not exist", dir.string());
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".jpg" || ext == ".png" || ext == ".bmp"))
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  DRIG_CHECK(!out.empty(), "{}: no .jpg, .png or .bmp photos in it", dir.string());
  return out;
}

nlohmann::json manifest_of(const CreateDataOptions& o, const std::vector<fs::path>& inputs) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& p : inputs)
    names.push_back(p.filename().string());
  return {{"tool", "diffusionrig create-data"},
          {"image_size", o.image_size},
          {"use_meanshape", o.use_meanshape},
          {"inputs", names}};
}

at::Tensor to_tensor_hwc(const cv::Mat& rgb8) {
  return at::from_blob(rgb8.data, {rgb8.rows, rgb8.cols, 3}, at::kByte).clone();
}

} // namespace

void CreateDataOptions::check(OptionCheck& c) const {
  c.require(fs::is_directory(data_dir),
            fmt::format("{}: the data folder does not exist", data_dir.string()));
  c.require(!output_dir.empty(), "no output folder given");
  c.require(output_dir.empty() || !fs::exists(output_dir),
            fmt::format("{} already exists: create-data never overwrites a dataset; remove "
                        "it or choose another --output_dir",
                        output_dir.string()));
  c.require(image_size >= 16 && image_size <= 4096,
            fmt::format("--image_size {} is outside 16..4096", image_size));
  c.require(batch_size >= 1, fmt::format("the batch size must be at least 1, got {}", batch_size));
  c.require_parses([&] { DeviceSpec::parse(device); });
  c.require_parses([&] { render::parse_render_backend(renderer); });
}

CreateDataSummary create_data(const CreateDataOptions& o, const JobContext& job) {
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("create-data");
  const fs::path out = o.output_dir;
  const std::vector<fs::path> all_inputs = list_inputs(o.data_dir);
  const fs::path partial = out.string() + ".partial";
  const nlohmann::json manifest = manifest_of(o, all_inputs);
  const fs::path manifest_file = partial / "create-data.json";
  CreateDataSummary summary;
  if (fs::exists(partial)) {
    nlohmann::json previous;
    try {
      std::ifstream in(manifest_file);
      previous = nlohmann::json::parse(in);
    } catch (const std::exception&) {
    }
    DRIG_CHECK(previous == manifest,
               "{} holds an interrupted run with other photos or options; remove it to start "
               "over",
               partial.string());
  } else {
    fs::create_directories(partial);
    write_file_atomic(manifest_file, manifest.dump(1));
  }

  // Faces upscaled for editing are too small to learn from (align.py's
  // rule, which the Studio relaxes for edits only).
  std::vector<fs::path> trainable;
  for (const fs::path& p : all_inputs) {
    std::optional<align::AlignmentRecord> record;
    try {
      record = align::read_sidecar(align::sidecar_path(p));
    } catch (const Error&) {
    }
    if (record && record->upscaled)
      summary.skipped.emplace_back(
          p, fmt::format("the face is {} px, smaller than the {} px crop: upscaled for editing, "
                         "too small to train on",
                         record->region_px, record->output_size));
    else
      trainable.push_back(p);
  }
  DRIG_CHECK(!trainable.empty(), "{}: every face is too small to train on (upscaled for editing)",
             o.data_dir.string());

  // 1. DECA on every photo (resumable: finished rigs are kept and skipped).
  fitting::FitOptions fit;
  fit.inputs = trainable;
  fit.output_dir = partial / "rigs";
  fit.assets_dir = o.assets_dir;
  fit.device = o.device;
  fit.batch_size = o.batch_size;
  fit.use_meanshape = o.use_meanshape;
  const fitting::FitSummary fitted = fitting::fit_album(fit, job);
  if (fitted.cancelled) {
    summary.cancelled = true;
    return summary;
  }
  std::vector<fs::path> inputs;
  for (const fs::path& p : trainable) {
    const auto failed = std::find_if(fitted.failed.begin(), fitted.failed.end(),
                                     [&](const auto& f) { return f.first == p; });
    if (failed != fitted.failed.end())
      summary.skipped.push_back(*failed);
    else
      inputs.push_back(p);
  }
  DRIG_CHECK(!inputs.empty(), "no photo of {} could be fitted", o.data_dir.string());
  if (o.use_meanshape)
    fs::copy_file(fitted.mean_shape_file, partial / "mean_shape.pkl",
                  fs::copy_options::overwrite_existing);

  // 2. Render and write, one transaction per sample.
  rendering::RigRenderer renderer(o.assets_dir, render::parse_render_backend(o.renderer));
  DatasetWriter writer(partial);
  summary.resumed = std::min<int64_t>(writer.complete_samples(), int64_t(inputs.size()));
  ProgressReporter progress(job, "create-data", int64_t(inputs.size()));
  progress.advance(summary.resumed, "already written");
  for (int64_t i = summary.resumed; i < int64_t(inputs.size()); ++i) {
    if (job.cancel.cancelled()) {
      summary.cancelled = true;
      return summary;
    }
    const fs::path& photo = inputs[size_t(i)];
    const fitting::Rig rig = fitting::load_rig(fitting::rig_path(partial / "rigs", photo));
    const cv::Mat rgb = image_io::to_rgb8(image_io::load_image(photo).rgb);
    const cv::Mat original = fitting::diffusionrig_resize(rgb, o.image_size);
    const auto rendered = renderer.render(rig.code, rig.crop_tform, o.image_size);
    const at::Tensor cond = rendering::physical_condition(rendered.buffers);
    writer.put(i, cond.narrow(0, 6, 3).clone(), cond.narrow(0, 3, 3).clone(),
               cond.narrow(0, 0, 3).clone(), to_tensor_hwc(original));
    progress.advance(1, photo.filename().string());
  }
  writer.finish(int64_t(inputs.size()));
  summary.samples = int64_t(inputs.size());
  // Complete: only now does the dataset appear under its name.
  fs::rename(partial, out);
  return summary;
}

} // namespace drig::datasets
