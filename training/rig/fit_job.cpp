#include "training/rig/fit_job.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/device.h"
#include "model/face/deca_encoder.h"
#include "model/face/flame.h"
#include "model/face/mean_shape.h"
#include "model/face/obj_mesh.h"
#include "training/align/album_job.h"
#include "training/align/face_detector.h"
#include "training/align/sidecar.h"
#include "training/photo_io/image_file.h"
#include "training/rig/deca_preprocess.h"
#include "training/rig/rig_file.h"

#include <dlib/md5.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <fstream>
#include <optional>

namespace drig::fitting {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDecaVersion = "DECA coarse E_flame (yfeng95/DECA a11554a), DiffusionRig "
                                     "pre-processing (256 resize, kpt68 crop 1.25, 224)";

std::string md5_of_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  DRIG_CHECK(in.good(), "{}: cannot read", path.string());
  return dlib::md5(in);
}

// An asset's hash, computed once per process and file version: rigs record
// it, and hashing DECA's 200+ MB tar for every photo of a run cost 0.4 s each.
std::string asset_md5(const fs::path& path) {
  return *load_once<std::string>(path, "md5", [&] {
    count_load("asset hash");
    return std::make_shared<const std::string>(md5_of_file(path));
  });
}

// The aligned image's 68 landmarks in the 256x256 frame DECA's crop uses:
// from the align sidecar when there is one (mapped through its transform),
// else found again on the image.
std::optional<std::vector<cv::Point2d>>
landmarks_256(const fs::path& image, const cv::Mat& rgb256, int aligned_size,
              std::optional<align::FaceDetector>& detector) {
  try {
    const std::optional<align::AlignmentRecord> record =
        align::read_sidecar(align::sidecar_path(image));
    if (record && record->output_size == aligned_size)
      return record->aligned_landmarks(256);
  } catch (const Error& e) {
    spdlog::warn("{}; finding the landmarks again", e.what());
  }
  if (!detector)
    detector.emplace(); // loads dlib's 100 MB model: only when a sidecar is missing
  const std::vector<align::DetectedFace> faces = detector->detect(rgb256);
  if (faces.empty())
    return std::nullopt;
  return faces[0].landmarks;
}

struct Pending {
  fs::path image;
  std::string md5;
  cv::Matx33d tform;
  at::Tensor crop; // (3,224,224)
};

at::Tensor to_chw(const cv::Mat& crop) {
  cv::Mat c = crop.isContinuous() ? crop : crop.clone();
  return torch::from_blob(c.data, {c.rows, c.cols, 3}, torch::kFloat).permute({2, 0, 1}).clone();
}

} // namespace

void FitOptions::check(OptionCheck& c) const {
  c.require(!inputs.empty(), "no aligned photos given");
  std::error_code ec;
  c.require_existing(inputs);
  c.require(!output_dir.empty(), "no output folder given");
  c.require(fs::is_regular_file(assets_dir / "deca_model.tar", ec),
            fmt::format("{}: DECA's model is missing (`diffusionrig assets install` sets it up "
                        "from the download)",
                        (assets_dir / "deca_model.tar").string()));
  c.require(batch_size >= 1 && batch_size <= 256,
            fmt::format("batch size must be 1..256, got {}", batch_size));
  c.require_parses([&] { DeviceSpec::parse(device); });
}

FitSummary fit_album(const FitOptions& o, const JobContext& job) {
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("fit");
  std::vector<fs::path> images;
  for (const fs::path& p : align::collect_photos(o.inputs))
    if (p.extension() != ".json")
      images.push_back(p);
  DRIG_CHECK(!images.empty(), "no aligned photos to fit in the given inputs");
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  DRIG_CHECK(fs::is_directory(o.output_dir), "{}: cannot create the output folder",
             o.output_dir.string());

  const c10::Device device = resolve_device(DeviceSpec::parse(o.device));
  const fs::path deca_tar = o.assets_dir / "deca_model.tar";
  Rig stamp;
  stamp.deca_version = kDecaVersion;
  stamp.asset_md5["deca_model.tar"] = asset_md5(deca_tar);
  std::optional<face::Flame> flame;
  std::optional<face::ObjMesh> topology;
  if (o.export_obj) {
    flame.emplace(face::load_flame_assets(o.assets_dir / "generic_model.pkl",
                                          o.assets_dir / "landmark_embedding.npy"),
                  device);
    topology = face::load_obj(o.assets_dir / "head_template.obj");
    stamp.asset_md5["generic_model.pkl"] = asset_md5(o.assets_dir / "generic_model.pkl");
  }

  FitSummary summary;
  ProgressReporter progress(job, "fit", static_cast<int64_t>(images.size()));
  // Rigs of every photo, fitted now or read back, in album order.
  std::vector<std::optional<Rig>> rigs(images.size());
  std::vector<size_t> to_fit;
  for (size_t i = 0; i < images.size(); ++i) {
    const fs::path rp = rig_path(o.output_dir, images[i]);
    if (!o.force && fs::exists(rp)) {
      try {
        Rig r = load_rig(rp);
        if (r.image_md5 == md5_of_file(images[i]) &&
            r.asset_md5.at("deca_model.tar") == stamp.asset_md5.at("deca_model.tar")) {
          rigs[i] = std::move(r);
          ++summary.up_to_date;
          progress.advance(1, images[i].filename().string());
          continue;
        }
      } catch (const std::exception&) {
        // An unreadable or stale rig is simply fitted again.
      }
    }
    to_fit.push_back(i);
  }

  std::shared_ptr<const face::DecaEncoder> encoder;
  std::optional<align::FaceDetector> detector;
  for (size_t start = 0; start < to_fit.size(); start += size_t(o.batch_size)) {
    if (job.cancel.cancelled()) {
      summary.cancelled = true;
      break;
    }
    if (!encoder)
      encoder = face::DecaEncoder::shared(deca_tar, device);
    std::vector<size_t> batch_index;
    std::vector<at::Tensor> crops;
    std::vector<Pending> pending;
    for (size_t k = start; k < std::min(to_fit.size(), start + size_t(o.batch_size)); ++k) {
      const fs::path& image = images[to_fit[k]];
      try {
        const auto known = o.decoded.find(image);
        const cv::Mat rgb = known != o.decoded.end()
                                ? known->second
                                : image_io::to_rgb8(image_io::load_image(image).rgb);
        const cv::Mat rgb256 = diffusionrig_resize(rgb, 256);
        const auto lmk = landmarks_256(image, rgb256, rgb.cols, detector);
        if (!lmk) {
          summary.failed.emplace_back(image, "no face found in the aligned image");
          progress.advance(1, image.filename().string());
          continue;
        }
        const DecaCrop crop = deca_crop(rgb256, *lmk);
        pending.push_back(Pending{image, md5_of_file(image), crop.tform, to_chw(crop.image)});
        batch_index.push_back(to_fit[k]);
      } catch (const Error& e) {
        summary.failed.emplace_back(image, e.what());
        progress.advance(1, image.filename().string());
      }
    }
    if (pending.empty())
      continue;
    std::vector<at::Tensor> stack;
    for (const Pending& p : pending)
      stack.push_back(p.crop);
    const face::DecaCode code = encoder->encode(torch::stack(stack).to(device));
    for (size_t b = 0; b < pending.size(); ++b) {
      const auto row = [&](const at::Tensor& t) {
        return t.narrow(0, int64_t(b), 1).to(at::kCPU).contiguous();
      };
      Rig r = stamp;
      r.image = fs::absolute(pending[b].image).string();
      r.image_md5 = pending[b].md5;
      r.code = {row(code.shape), row(code.tex), row(code.exp),
                row(code.pose),  row(code.cam), row(code.light)};
      r.fitted_shape = r.code.shape.clone();
      for (int i = 0; i < 9; ++i)
        r.crop_tform[size_t(i)] = pending[b].tform(i / 3, i % 3);
      save_rig(rig_path(o.output_dir, pending[b].image), r);
      rigs[batch_index[b]] = std::move(r);
      ++summary.fitted;
      progress.advance(1, pending[b].image.filename().string());
    }
  }

  if (o.use_meanshape && !summary.cancelled) {
    std::vector<at::Tensor> shapes;
    for (const auto& r : rigs)
      if (r)
        shapes.push_back(r->fitted_shape);
    DRIG_CHECK(!shapes.empty(), "no photo could be fitted: no mean shape to compute");
    const at::Tensor mean = face::mean_shape_of(torch::cat(shapes, 0));
    summary.mean_shape_file = o.output_dir / "mean_shape.pkl";
    face::save_mean_shape(summary.mean_shape_file, mean);
    for (size_t i = 0; i < images.size(); ++i)
      if (rigs[i] && !(rigs[i]->mean_shape && torch::equal(rigs[i]->code.shape, mean))) {
        rigs[i]->code.shape = mean.clone();
        rigs[i]->mean_shape = true;
        save_rig(rig_path(o.output_dir, images[i]), *rigs[i]);
      }
  }
  if (o.export_obj && !summary.cancelled)
    for (size_t i = 0; i < images.size(); ++i) {
      if (!rigs[i])
        continue;
      const face::DecaCode& c = rigs[i]->code;
      const face::FlameOutput out =
          flame->forward(c.shape.to(device), c.exp.to(device), c.pose.to(device));
      face::save_obj(o.output_dir / (images[i].stem().string() + ".obj"), out.vertices[0],
                     *topology);
    }
  return summary;
}

} // namespace drig::fitting
