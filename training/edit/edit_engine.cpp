#include "training/edit/edit_engine.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/base/log.h"
#include "model/device.h"
#include "model/face/mean_shape.h"
#include "model/sampler.h"
#include "training/align/album_job.h"
#include "training/align/sidecar.h"
#include "training/edit/colour_lock.h"
#include "training/edit/source_paste.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/fit_job.h"
#include "training/rig/rig_renderer.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <map>
#include <optional>

namespace fs = std::filesystem;

namespace drig::editing {
namespace {

constexpr int kAlignedSize = 256; // DECA's pre-processing and the rigs use the 256 crop

std::string cache_key(const fs::path& photo) {
  std::error_code ec;
  const fs::path canon = fs::weakly_canonical(photo, ec);
  const auto size = fs::file_size(photo, ec);
  const auto mtime = fs::last_write_time(photo, ec).time_since_epoch().count();
  return fmt::format("{}|{}|{}", canon.string(), size, mtime);
}

std::string folder_name(const fs::path& photo) {
  std::error_code ec;
  const std::string canon = fs::weakly_canonical(photo, ec).string();
  uint64_t h = 1469598103934665603ull; // FNV-1a: stable across runs
  for (unsigned char c : canon)
    h = (h ^ c) * 1099511628211ull;
  return fmt::format("{}-{:016x}", photo.stem().string(), h);
}

cv::Mat read_crop(const fs::path& png) {
  const cv::Mat bgr = cv::imread(png.string(), cv::IMREAD_COLOR);
  DRIG_CHECK(!bgr.empty(), "{}: cannot read the aligned image", png.string());
  count_load("photo decode");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

at::Tensor image_tensor(const cv::Mat& crop, int size) {
  cv::Mat rgb = crop;
  if (rgb.rows != size || rgb.cols != size)
    cv::resize(crop, rgb, cv::Size(size, size), 0, 0, cv::INTER_AREA);
  const at::Tensor hwc = at::from_blob(rgb.data, {size, size, 3}, at::kByte).clone();
  return (hwc.permute({2, 0, 1}).to(at::kFloat) / 255.0 * 2 - 1).unsqueeze(0).contiguous();
}

cv::Mat mask_image(const at::Tensor& alpha) { // (1,H,W) -> CV_32FC1
  const at::Tensor a = alpha.to(at::kCPU, at::kFloat).contiguous();
  return cv::Mat(int(a.size(1)), int(a.size(2)), CV_32FC1, a.data_ptr<float>()).clone();
}

// S-frame crop coordinates -> the 256 frame the alignment's map is for.
cv::Matx23d scaled_map(const cv::Matx23d& a2s, int size) {
  const double k = double(kAlignedSize) / size;
  return cv::Matx23d(a2s(0, 0) * k, a2s(0, 1) * k, a2s(0, 2), a2s(1, 0) * k, a2s(1, 1) * k,
                     a2s(1, 2));
}

} // namespace

cv::Mat tensor_to_image(const at::Tensor& x) {
  const at::Tensor hwc =
      ((x[0].to(at::kCPU, at::kFloat) + 1) / 2).clamp(0, 1).permute({1, 2, 0}).contiguous();
  return cv::Mat(int(hwc.size(0)), int(hwc.size(1)), CV_32FC3, hwc.data_ptr<float>()).clone();
}

at::Tensor image_to_tensor(const cv::Mat& rgb) {
  cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
  return at::from_blob(c.data, {c.rows, c.cols, 3}, at::kFloat)
      .permute({2, 0, 1})
      .unsqueeze(0)
      .mul(2)
      .sub(1)
      .contiguous();
}

struct EditEngine::Impl {
  EngineOptions options;
  c10::Device device = c10::Device(c10::kCPU);
  LoadedModel model;
  std::unique_ptr<rendering::RigRenderer> renderer;
  at::Tensor mean_shape;
  std::map<std::string, std::shared_ptr<PreparedPhoto>> cache;
  Counters counters;
  mutable std::mutex mutex; // cache, counters, renderer
  std::mutex sampling;      // one sampling at a time on the model
  int size() const { return model.config.image_size; }

  rendering::RigRenderer& rig_renderer() {
    if (!renderer) {
      DRIG_CHECK(!options.assets_dir.empty(),
                 "editing photos needs the DECA/FLAME files: give the assets folder");
      renderer = std::make_unique<rendering::RigRenderer>(options.assets_dir, options.renderer);
    }
    return *renderer;
  }
};

void EngineOptions::check(OptionCheck& c) const {
  std::error_code ec;
  c.require(fs::is_regular_file(model_path, ec),
            fmt::format("{}: the model file does not exist", model_path.string()));
  c.require(assets_dir.empty() || fs::is_directory(assets_dir, ec),
            fmt::format("{}: the assets folder does not exist", assets_dir.string()));
  c.require(meanshape.empty() || fs::is_regular_file(meanshape, ec),
            fmt::format("{}: the mean shape file does not exist", meanshape.string()));
  c.require(image_size >= 8 && image_size <= 1024,
            fmt::format("image size {} is outside 8..1024", image_size));
  c.require_parses([&] { DeviceSpec::parse(device); });
}

EditEngine::EditEngine(EngineOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed("editing");
  m.options = std::move(options);
  if (m.options.cache_dir.empty())
    m.options.cache_dir = fs::temp_directory_path() / "diffusionrig-cache";
  m.device = resolve_device(DeviceSpec::parse(m.options.device));
  m.model = load_diffusionrig(m.options.model_path, m.device);
  if (m.model.config.image_size <= 0)
    m.model.config.image_size = m.options.image_size;
  DRIG_CHECK(m.model.config.image_size >= 8 && m.model.config.image_size <= 1024,
             "image size {} is outside 8..1024", m.model.config.image_size);
  if (!m.options.meanshape.empty())
    m.mean_shape = face::load_mean_shape(m.options.meanshape);
}

EditEngine::~EditEngine() = default;

int EditEngine::image_size() const {
  return impl_->size();
}
int EditEngine::latent_dim() const {
  return impl_->model.config.latent_dim;
}

EditEngine::Counters EditEngine::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

std::shared_ptr<const PreparedPhoto> EditEngine::prepare(const fs::path& photo,
                                                         const JobContext& job) {
  Impl& m = *impl_;
  DRIG_CHECK(fs::is_regular_file(photo), "{}: no such photo", photo.string());
  const std::string key = cache_key(photo);
  {
    std::lock_guard lock(m.mutex);
    if (auto it = m.cache.find(key); it != m.cache.end()) {
      ++m.counters.cache_hits;
      return it->second;
    }
  }
  const fs::path dir = m.options.cache_dir / folder_name(photo);
  align::AlignJobOptions a;
  a.inputs = {photo};
  a.output_dir = dir;
  a.size = kAlignedSize;
  a.workers = 1;
  a.allow_small_faces = true; // edited at 256 and pasted back at its own size
  a.keep_crops = true;        // handed to fitting and encoding: the PNG is not decoded again
  const align::AlignSummary aligned = align::align_album(a, job);
  if (aligned.cancelled)
    throw CancelledError();
  DRIG_CHECK(aligned.photos.size() == 1, "{}: the photo was not aligned", photo.string());
  const align::PhotoResult& r = aligned.photos[0];
  DRIG_CHECK(r.status == align::PhotoStatus::Aligned || r.status == align::PhotoStatus::UpToDate,
             "{}: {} ({})", photo.string(), align::status_name(r.status), r.reason);
  const fs::path png = r.outputs.at(0);
  const cv::Mat crop = r.crops.empty() ? cv::Mat() : r.crops[0];

  fitting::FitOptions f;
  f.inputs = {png};
  f.output_dir = dir;
  f.assets_dir = m.options.assets_dir;
  f.device = m.options.device;
  f.batch_size = 1;
  if (!crop.empty())
    f.decoded[png] = crop;
  const fitting::FitSummary fitted = fitting::fit_album(f, job);
  if (fitted.cancelled)
    throw CancelledError();
  DRIG_CHECK(fitted.failed.empty(), "{}: fitting failed: {}", photo.string(),
             fitted.failed.empty() ? "" : fitted.failed[0].second);
  {
    std::lock_guard lock(m.mutex);
    m.counters.aligned += r.status == align::PhotoStatus::Aligned;
    m.counters.fitted += fitted.fitted;
  }
  auto prepared = std::const_pointer_cast<PreparedPhoto>(
      prepare_aligned(png, fitting::rig_path(dir, png), crop));
  prepared->source = photo;
  std::lock_guard lock(m.mutex);
  m.cache[key] = prepared;
  return prepared;
}

std::shared_ptr<const PreparedPhoto> EditEngine::prepare_aligned(const fs::path& aligned_png,
                                                                 const fs::path& rig_file,
                                                                 cv::Mat decoded) {
  Impl& m = *impl_;
  auto p = std::make_shared<PreparedPhoto>();
  p->aligned_png = aligned_png;
  p->aligned_rgb = decoded.empty() ? read_crop(aligned_png) : decoded;
  DRIG_CHECK(p->aligned_rgb.type() == CV_8UC3, "{}: the aligned image is not 8-bit RGB",
             aligned_png.string());
  p->rig = fitting::load_rig(rig_file);
  if (m.mean_shape.defined()) {
    DRIG_CHECK(m.mean_shape.size(-1) == p->rig.code.shape.size(-1),
               "{}: the mean shape has {} coefficients, the rig {}", m.options.meanshape.string(),
               m.mean_shape.size(-1), p->rig.code.shape.size(-1));
    p->rig.code.shape = m.mean_shape.to(p->rig.code.shape.dtype()).view({1, -1}).clone();
    p->rig.mean_shape = true;
  }
  try {
    if (const auto record = align::read_sidecar(align::sidecar_path(aligned_png))) {
      p->aligned_to_source = record->aligned_to_source;
      p->landmarks = record->aligned_landmarks(record->output_size);
      // The detected face's outline in the crop: pasted even where the
      // fitted mesh does not reach (a poor fit, hair line, jaw).
      std::vector<cv::Point> points;
      for (const cv::Point2d& q : record->aligned_landmarks(double(m.size())))
        points.emplace_back(int(std::lround(q.x)), int(std::lround(q.y)));
      std::vector<cv::Point> hull;
      cv::convexHull(points, hull);
      p->face_hull = cv::Mat::zeros(m.size(), m.size(), CV_32FC1);
      cv::fillConvexPoly(p->face_hull, hull, cv::Scalar(1.0));
      p->orientation_applied = record->orientation_applied;
      p->icc_converted = record->icc_converted;
      p->upscaled_from_px = record->region_px;
      p->source = record->source;
    }
  } catch (const Error& e) {
    spdlog::warn("{}; paste-back is not available", e.what());
  }
  p->image = image_tensor(p->aligned_rgb, m.size());
  {
    c10::InferenceMode guard;
    std::lock_guard lock(m.sampling);
    p->latent = encode_latent(m.model, p->image).to(at::kCPU);
  }
  {
    std::lock_guard lock(m.mutex);
    ++m.counters.encoded;
    const rendering::RigRenderer::Output out =
        m.rig_renderer().render(p->rig.code, p->rig.crop_tform, m.size());
    p->ffhq_center = out.ffhq_center;
    p->buffers = rendering::physical_condition(out.buffers).unsqueeze(0);
    p->alpha = mask_image(rendering::alpha_tensor(out.buffers));
  }
  return p;
}

at::Tensor EditEngine::render(const PreparedPhoto& photo, const face::DecaCode& code,
                              cv::Mat* alpha) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  const rendering::RigRenderer::Output out =
      m.rig_renderer().render(code, photo.rig.crop_tform, m.size(), photo.ffhq_center);
  if (alpha)
    *alpha = mask_image(rendering::alpha_tensor(out.buffers));
  return rendering::physical_condition(out.buffers).unsqueeze(0);
}

void GenerateOptions::check(OptionCheck& c) const {
  SampleOptions s;
  s.sampler = sampler;
  s.respacing = steps;
  s.eta = eta;
  s.check(c);
  c.require(seed >= 0, fmt::format("the seed must not be negative, got {}", seed));
  c.require(preview_every >= 1,
            fmt::format("previews must come every 1 or more steps, got {}", preview_every));
  c.require(!noise.defined() || (noise.dim() == 4 && noise.size(1) == 3),
            "the fixed noise must be (B,3,S,S) images");
}

at::Tensor EditEngine::generate(const at::Tensor& buffers, const at::Tensor& latent,
                                const GenerateOptions& o, const JobContext& job) {
  Impl& m = *impl_;
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("generate");
  SampleOptions s;
  s.sampler = o.sampler;
  s.respacing = o.steps;
  s.eta = o.eta;
  s.seed = o.seed;
  s.precision = m.options.precision;
  if (o.on_preview)
    s.on_step = [&o](int64_t done, int64_t total, const at::Tensor& pred) {
      if (done % std::max(1, o.preview_every) == 0 || done == total)
        o.on_preview(done, total, pred.to(at::kCPU, at::kFloat));
    };
  c10::InferenceMode guard;
  std::lock_guard lock(m.sampling);
  return sample(m.model, buffers, latent, o.noise, s, job).samples;
}

static void lock_result_colour(const PreparedPhoto& photo, EditResult& r, double strength,
                               ColourLockMode mode) {
  const int size = r.crop.cols;
  const auto at_size = [size](const cv::Mat& m) {
    if (m.empty() || m.cols == size)
      return m;
    cv::Mat out;
    cv::resize(m, out, {size, size}, 0, 0, cv::INTER_AREA);
    return out;
  };
  // The face both show: the source's face (hull and render) where the
  // edited render still covers it.
  cv::Mat region = at_size(photo.alpha);
  if (region.empty())
    return;
  if (!photo.face_hull.empty())
    region = cv::min(region, at_size(photo.face_hull));
  if (!r.alpha.empty())
    region = cv::min(region, at_size(r.alpha));
  if (cv::sum(region)[0] < 0.02 * size * size)
    return; // too little shared face to measure a colour on
  const ColourLockResult locked =
      lock_colour(tensor_to_image(photo.image), r.crop, region, strength, mode);
  r.skin_delta_e_before = locked.delta_e_before;
  r.skin_delta_e_after = locked.delta_e_after;
  r.colour_lock = strength;
  if (strength > 0) {
    r.crop = locked.image;
    r.sample = image_to_tensor(r.crop).to(r.sample.device(), r.sample.scalar_type());
  }
}

EditResult EditEngine::edit(const PreparedPhoto& photo, const EditSpec& spec, const JobContext& job,
                            GenerateOptions options) {
  EditResult r;
  r.buffers = render(photo, apply_spec(photo.rig.code, spec), &r.alpha);
  options.sampler = spec.sampler;
  options.steps = spec.steps;
  options.seed = spec.seed;
  options.eta = spec.eta;
  r.sample = generate(r.buffers, photo.latent, options, job);
  r.crop = tensor_to_image(r.sample);
  lock_result_colour(photo, r, spec.colour_lock_strength(),
                     spec.colour_lock_keeps_light() ? ColourLockMode::keep_light_colour
                                                    : ColourLockMode::full);
  return r;
}

EditResult EditEngine::transfer(const PreparedPhoto& photo, const PreparedPhoto& target,
                                TransferMode mode, const GenerateOptions& options,
                                const JobContext& job) {
  EditResult r;
  r.buffers = render(photo, editing::transfer(photo.rig.code, target.rig.code, mode), &r.alpha);
  const at::Tensor& latent = mode == TransferMode::Latent ? target.latent : photo.latent;
  r.sample = generate(r.buffers, latent, options, job);
  r.crop = tensor_to_image(r.sample);
  return r;
}

std::future<EditResult> EditEngine::edit_async(std::shared_ptr<const PreparedPhoto> photo,
                                               EditSpec spec, JobContext job,
                                               GenerateOptions options) {
  return std::async(std::launch::async,
                    [this, photo, spec, job, options] { return edit(*photo, spec, job, options); });
}

cv::Mat EditEngine::paste(const PreparedPhoto& photo, const EditResult& result,
                          const PasteOptions& options) const {
  DRIG_CHECK(!photo.source.empty() && photo.aligned_to_source != cv::Matx23d::zeros(),
             "{}: no alignment record (sidecar) to paste the edit back with",
             photo.aligned_png.string());
  const cv::Mat aligned = tensor_to_image(photo.image);
  const cv::Mat source_face =
      photo.face_hull.empty() ? photo.alpha : cv::Mat(cv::max(photo.alpha, photo.face_hull));
  const cv::Mat mask = paste_mask(source_face, result.alpha, options);
  const cv::Matx23d a2s = scaled_map(photo.aligned_to_source, result.crop.cols);
  return paste_into_source({photo.source, photo.orientation_applied, photo.icc_converted}, aligned,
                           result.crop, mask, a2s, options);
}

} // namespace drig::editing
