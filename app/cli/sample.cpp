// diffusionrig sample: the original's DDIM sampling from a checkpoint,
// physical buffers and a latent (from an aligned photo or a .npy).
#include "app/cli/sample.h"

#include "model/base/error.h"
#include "model/device.h"
#include "model/formats/npy.h"
#include "model/sampler.h"
#include "training/rig/buffer_images.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

namespace drig::cli {
namespace fs = std::filesystem;

namespace {

at::Tensor load_array(const std::string& path, const char* what) {
  formats::NpyArray array = formats::load_npy(path);
  DRIG_CHECK(array.tensor.defined(), "{}: {} must be a numeric array", path, what);
  return array.tensor.to(torch::kFloat);
}

// An aligned RGB photo as (1,3,H,W) in [-1,1], the encoder's input.
at::Tensor load_image(const std::string& path, int64_t height, int64_t width) {
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  DRIG_CHECK(!bgr.empty(), "{}: cannot read the image", path);
  DRIG_CHECK(bgr.rows == height && bgr.cols == width,
             "{}: is {}x{}, the buffers are {}x{} (use the aligned crop)", path, bgr.cols, bgr.rows,
             width, height);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  const at::Tensor hwc = torch::from_blob(rgb.data, {height, width, 3}, torch::kUInt8).clone();
  return hwc.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat) / 127.5 - 1.0;
}

// As torchvision's save_image of (x+1)/2.
void save_png(const fs::path& path, const at::Tensor& chw) {
  const at::Tensor hwc = ((chw + 1) / 2)
                             .mul(255)
                             .add(0.5)
                             .clamp(0, 255)
                             .permute({1, 2, 0})
                             .to(torch::kUInt8)
                             .contiguous();
  write_rgb_png(path, cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3,
                              hwc.data_ptr()));
}

} // namespace

CommandRunner add_sample_command(CLI::App& sub) {
  struct Options {
    std::string model, config, source, latent, buffers, noise, output_dir, output_npy;
    std::vector<std::string> buffer_pngs;
    std::string precision = "fp32";
    SampleOptions sampling;
    bool predictions = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--model", o->model, "DiffusionRig checkpoint (Stage 1 or 2)")->required();
  auto* source =
      sub.add_option("--source", o->source, "Aligned photo whose latent (identity) to use");
  auto* latent = sub.add_option("--latent", o->latent, "Latent (B, latent_dim) as .npy instead");
  source->excludes(latent);
  auto* npy = sub.add_option(
      "--buffers", o->buffers,
      "Physical buffers as .npy: (9,H,W) or (B,9,H,W), channels rendered|normal|albedo");
  auto* pngs = sub.add_option("--buffer-pngs", o->buffer_pngs,
                              "Or three images RENDERED NORMAL ALBEDO (normal stored as (n+1)/2)")
                   ->expected(3);
  npy->excludes(pngs);
  sub.add_option("--config", o->config,
                 "JSON with the original's arguments (e.g. the run's config.json) for what the "
                 "weights do not tell: image_size, attention heads, ...");
  sub.add_option("--precision", o->precision,
                 "fp32, bf16 (CUDA, CPUs with native bf16), fp16 (CUDA) or auto (the fastest "
                 "the device runs natively)")
      ->capture_default_str();
  sub.add_option("--batch", o->sampling.batch, "Images per forward pass (0 = all at once)")
      ->check(CLI::NonNegativeNumber);
  sub.add_option(
         "--sampler", o->sampling.sampler,
         "ddim (the original's), the faster DPM-Solver++ dpmpp2m / dpmpp3m, or unipc (2M with "
         "UniPC's corrector)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ddim", "dpmpp2m", "dpmpp3m", "unipc"}));
  sub.add_option("--steps", o->sampling.respacing,
                 "Step count (any sampler), or for ddim the original's respacing: ddimN or a "
                 "comma list")
      ->capture_default_str();
  sub.add_option("--step-placement", o->sampling.placement,
                 "Where a step count's steps go: quadratic in t (dpmpp's default), logsnr or "
                 "uniform in t; "
                 "for ddim, runs it as the first-order solver on those timesteps")
      ->check(CLI::IsMember({"logsnr", "quadratic", "uniform"}));
  sub.add_option("--eta", o->sampling.eta, "DDIM eta (0 = deterministic)")->capture_default_str();
  sub.add_flag("!--no-ddim", o->sampling.ddim,
               "Ancestral sampling (the original's --use_ddim False) instead of DDIM");
  sub.add_option("--seed", o->sampling.seed, "Seed for x_T (ignored with --noise)");
  sub.add_option("--noise", o->noise, "Start from this x_T (.npy, (B,3,H,W))");
  sub.add_option("-o,--output_dir", o->output_dir, "Folder for sample_NNN.png")->required();
  sub.add_option("--output-npy", o->output_npy, "Also write the exact float output (in [-1,1])");
  sub.add_flag("--predictions", o->predictions, "Write pred_xstart.npy: predicted x_0 per step");
  return [o](CommandEnv& env) {
    DRIG_CHECK(!o->source.empty() || !o->latent.empty(), "give --source or --latent");
    DRIG_CHECK(!o->buffers.empty() || !o->buffer_pngs.empty(), "give --buffers or --buffer-pngs");
    at::Tensor buffers =
        o->buffers.empty()
            ? load_buffer_images({o->buffer_pngs[0], o->buffer_pngs[1], o->buffer_pngs[2]})
            : load_array(o->buffers, "--buffers");
    if (buffers.dim() == 3)
      buffers = buffers.unsqueeze(0);
    const c10::Device device = resolve_device(DeviceSpec::parse(env.global.device));
    o->sampling.precision = resolve_precision(o->precision, device);
    check_precision(o->sampling.precision, device);
    spdlog::info("loading {} on {} ({}, {} sampler)", o->model, describe_device(device),
                 to_string(o->sampling.precision), o->sampling.sampler);
    const LoadedModel model = load_diffusionrig(o->model, device, o->config);
    at::Tensor latent =
        o->latent.empty()
            ? encode_latent(model, load_image(o->source, buffers.size(2), buffers.size(3)))
            : load_array(o->latent, "--latent");
    if (latent.size(0) == 1 && buffers.size(0) > 1)
      latent = latent.expand({buffers.size(0), latent.size(1)});
    const at::Tensor noise = o->noise.empty() ? at::Tensor() : load_array(o->noise, "--noise");
    o->sampling.keep_predictions = o->predictions;
    const SampleResult result = sample(model, buffers, latent, noise, o->sampling, env.job);
    fs::create_directories(o->output_dir);
    for (int64_t i = 0; i < result.samples.size(0); ++i)
      save_png(fs::path(o->output_dir) / fmt::format("sample_{:03}.png", i), result.samples[i]);
    if (!o->output_npy.empty())
      formats::save_npy(o->output_npy, result.samples);
    if (o->predictions)
      formats::save_npy(fs::path(o->output_dir) / "pred_xstart.npy", result.predictions);
    spdlog::info("wrote {} image(s) to {}", result.samples.size(0), o->output_dir);
    return 0;
  };
}

} // namespace drig::cli
