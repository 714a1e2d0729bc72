// EditEngine::run: the whole edit behind infer, the Studio's Generate and its
// Export, so that the three cannot do it three ways.
#include "model/base/error.h"
#include "model/base/options.h"
#include "model/formats/npy.h"
#include "training/edit/edit_engine.h"
#include "training/edit/edit_params.h"
#include "training/photo_io/image_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

namespace fs = std::filesystem;

namespace drig::editing {
namespace {

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return char(std::tolower(ch)); });
  return ext;
}

// A file about to be written: its folder is (or can be) a folder, it is not
// one itself, and its extension is one the writer knows.
void check_output(OptionCheck& c, const fs::path& path, const char* what,
                  std::initializer_list<const char*> extensions) {
  if (path.empty())
    return;
  std::error_code ec;
  const fs::path parent = path.parent_path();
  c.require(
      parent.empty() || !fs::exists(parent, ec) || fs::is_directory(parent, ec),
      fmt::format("{}: {} is a file, not a folder ({})", path.string(), parent.string(), what));
  c.require(!fs::is_directory(path, ec),
            fmt::format("{}: is a folder; the {} needs a file name", path.string(), what));
  const std::string ext = lower_extension(path);
  bool known = false;
  std::string names;
  for (const char* e : extensions) {
    known = known || ext == e;
    names += (names.empty() ? "" : ", ") + std::string(e);
  }
  c.require(known, fmt::format("{}: the {} must be one of {}", path.string(), what, names));
}

// A result written before, at the model's size, as the engine's crop.
cv::Mat read_crop(const fs::path& png, int size) {
  const cv::Mat bgr = cv::imread(png.string(), cv::IMREAD_UNCHANGED);
  DRIG_CHECK(!bgr.empty() && bgr.channels() == 3, "{}: cannot read the result (an RGB image)",
             png.string());
  DRIG_CHECK(bgr.cols == size && bgr.rows == size,
             "{}: the result is {}x{}, the model makes {}x{} (a result of another model?)",
             png.string(), bgr.cols, bgr.rows, size, size);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32FC3, bgr.depth() == CV_16U ? 1 / 65535.0 : 1 / 255.0);
  return rgb;
}

at::Tensor read_noise(const fs::path& npy, int64_t size) {
  const formats::NpyArray x = formats::load_npy(npy);
  DRIG_CHECK(x.tensor.defined(), "{}: not a numeric array", npy.string());
  const at::Tensor t = x.tensor.to(at::kFloat);
  DRIG_CHECK(t.dim() == 4 && t.size(0) == 1 && t.size(1) == 3 && t.size(2) == size &&
                 t.size(3) == size,
             "{}: x_T must be (1,3,{},{}), got {}", npy.string(), size, size,
             fmt::format("{}", fmt::join(t.sizes(), ",")));
  return t;
}

// Before | after (the photo and its composite, 8 or 16 bits), at most 1600
// pixels high.
cv::Mat side_by_side(const cv::Mat& before, const cv::Mat& after) {
  cv::Mat b = image_io::to_rgb8(before), a = image_io::to_rgb8(after);
  const double k = std::min(1.0, 1600.0 / b.rows);
  if (k < 1) {
    cv::resize(b, b, cv::Size(), k, k, cv::INTER_AREA);
    cv::resize(a, a, cv::Size(), k, k, cv::INTER_AREA);
  }
  cv::Mat out;
  cv::hconcat(std::vector<cv::Mat>{b, a}, out);
  return out;
}

void make_parent(const fs::path& path) {
  if (!path.parent_path().empty())
    fs::create_directories(path.parent_path());
}

} // namespace

void EditParams::check(OptionCheck& c) const {
  GenerateOptions g;
  g.sampler = spec.sampler;
  g.steps = spec.steps;
  g.eta = spec.eta;
  g.seed = spec.seed;
  g.preview_every = preview_every;
  g.check(c);
  c.require(!spec.colour_lock || (*spec.colour_lock >= 0 && *spec.colour_lock <= 1),
            fmt::format("the colour lock must be 0..1, got {}", spec.colour_lock.value_or(0)));
  c.require(!target || !spec.changes_rig(),
            "a transfer takes pose, expression or light from the target photo; light, "
            "expression and pose changes are for an edit without one");
  std::error_code ec;
  c.require(noise.empty() || fs::is_regular_file(noise, ec),
            fmt::format("{}: no such file (the fixed noise x_T)", noise.string()));
  c.require(cached_crop.empty() || fs::is_regular_file(cached_crop, ec),
            fmt::format("{}: no such file (the result to paste)", cached_crop.string()));
  identity.check(c);
  c.require(outputs.crop_bit_depth == 8 || outputs.crop_bit_depth == 16,
            fmt::format("the crop is written with 8 or 16 bits, not {}", outputs.crop_bit_depth));
  check_output(c, outputs.crop, "crop", {".png"});
  check_output(c, outputs.crop_npy, "crop's array", {".npy"});
  check_output(c, outputs.photo, "edited photo", {".jpg", ".jpeg", ".png", ".tif", ".tiff"});
  check_output(c, outputs.side_by_side, "side-by-side image", {".jpg", ".jpeg", ".png"});
  c.require(
      !(outputs.write.bit_depth == 16 &&
        (lower_extension(outputs.photo) == ".jpg" || lower_extension(outputs.photo) == ".jpeg")),
      fmt::format("{}: JPEG holds 8 bits only: choose PNG or TIFF for 16", outputs.photo.string()));
  outputs.write.check(c);
  outputs.paste.check(c);
}

EditParams default_edit_params() {
  return EditParams{};
}

EditOutcome EditEngine::run(const PreparedPhoto& photo, const EditParams& p,
                            const JobContext& job) {
  OptionCheck checked;
  p.check(checked);
  checked.throw_if_failed("edit");
  const auto started = std::chrono::steady_clock::now();
  const int64_t size = image_size();
  const at::Tensor first_noise = p.noise.empty() ? at::Tensor() : read_noise(p.noise, size);

  GenerateOptions g;
  g.sampler = p.spec.sampler;
  g.steps = p.spec.steps;
  g.eta = p.spec.eta;
  g.seed = p.spec.seed;
  g.preview_every = p.preview_every;
  if (p.on_preview)
    g.on_preview = [&p](int64_t step, int64_t total, const at::Tensor& x0) {
      p.on_preview(step, total, tensor_to_image(x0));
    };

  EditOutcome out;
  EditResult r;
  if (!p.cached_crop.empty()) {
    r.crop = read_crop(p.cached_crop, int(size));
    r.sample = image_to_tensor(r.crop);
    render(photo,
           p.target ? editing::transfer(photo.rig.code, p.target->rig.code, p.mode)
                    : apply_spec(photo.rig.code, p.spec),
           &r.alpha);
    out.identity.seed = p.spec.seed;
  } else {
    GuardedResult guarded = sample_with_identity(
        photo,
        [&](const at::Tensor& noise) {
          GenerateOptions o = g;
          o.noise = noise;
          return p.target ? transfer(photo, *p.target, p.mode, o, job)
                          : edit(photo, p.spec, job, o);
        },
        first_noise, p.spec.seed, size, p.identity, job);
    r = std::move(guarded.result);
    out.identity = guarded.identity;
  }
  out.crop = r.crop;
  out.skin_delta_e_before = r.skin_delta_e_before;
  out.skin_delta_e_after = r.skin_delta_e_after;
  out.colour_lock = r.colour_lock;

  const EditOutputs& o = p.outputs;
  if (!o.crop.empty()) {
    cv::Mat q;
    r.crop.convertTo(q, o.crop_bit_depth == 16 ? CV_16U : CV_8U,
                     o.crop_bit_depth == 16 ? 65535.0 : 255.0);
    make_parent(o.crop);
    write_photo(o.crop, q, {});
    out.written.push_back(o.crop);
  }
  if (!o.crop_npy.empty()) {
    make_parent(o.crop_npy);
    fs::path tmp = o.crop_npy;
    tmp += ".part";
    formats::save_npy(tmp, r.sample.to(at::kCPU, at::kFloat).contiguous());
    fs::rename(tmp, o.crop_npy);
    out.written.push_back(o.crop_npy);
  }
  if (!o.photo.empty() || !o.side_by_side.empty()) {
    DRIG_CHECK(!photo.source.empty() && fs::exists(photo.source),
               "{}: the source photo is gone; nothing to paste the edit into",
               photo.source.empty() ? photo.aligned_png.string() : photo.source.string());
    out.composite = paste(photo, r, o.paste);
  }
  if (!o.photo.empty()) {
    make_parent(o.photo);
    write_photo(o.photo, out.composite, read_metadata(photo.source), o.write);
    out.written.push_back(o.photo);
  }
  if (!o.side_by_side.empty()) {
    image_io::LoadOptions load;
    load.convert_icc = false; // as the composite: the photo's own colour space
    load.apply_orientation = photo.orientation_applied;
    const cv::Mat before = image_io::load_image(photo.source, load).rgb;
    WriteOptions w;
    w.jpeg_quality = o.write.jpeg_quality;
    make_parent(o.side_by_side);
    write_photo(o.side_by_side, side_by_side(before, out.composite), {}, w);
    out.written.push_back(o.side_by_side);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

} // namespace drig::editing
