#include "model/bench/diffusion_cases.h"

#include "model/base/error.h"
#include "model/device.h"
#include "model/networks/diffusionrig_model.h"
#include "model/sampler.h"
#include "model/train_step.h"

#include <torch/torch.h>
#ifdef DRIG_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <sys/resource.h>

#include <algorithm>
#include <chrono>

namespace drig::bench {

Case parse_case(const std::string& name) {
  for (Case c : {Case::unet_forward, Case::encoder_forward, Case::ddim_edit, Case::train_step,
                 Case::fast_edit, Case::first_preview})
    if (to_string(c) == name)
      return c;
  fail("unknown benchmark case \"{}\" (unet_forward, encoder_forward, ddim_edit, train_step, "
       "fast_edit, first_preview)",
       name);
}

std::string to_string(Case kind) {
  switch (kind) {
  case Case::encoder_forward:
    return "encoder_forward";
  case Case::ddim_edit:
    return "ddim_edit";
  case Case::train_step:
    return "train_step";
  case Case::fast_edit:
    return "fast_edit";
  case Case::first_preview:
    return "first_preview";
  default:
    return "unet_forward";
  }
}

std::string name_of(const CaseSpec& s) {
  const std::string kind = s.kind == Case::ddim_edit   ? fmt::format("ddim{}_edit", s.steps)
                           : s.kind == Case::fast_edit ? fmt::format("dpmpp3m{}_edit", s.fast_steps)
                           : s.kind == Case::first_preview
                               ? fmt::format("preview{}", s.preview_steps)
                               : to_string(s.kind);
  return fmt::format("{}/{}/b{}/{}", kind, s.size, s.batch, drig::to_string(s.precision));
}

DiffusionRigConfig bench_config(int64_t size) {
  DiffusionRigConfig c; // the 256 defaults
  c.image_size = 256;
  if (size != 256) { // the tiny fixture's architecture
    c.image_size = static_cast<int>(size);
    c.model_channels = 32;
    c.num_res_blocks = 1;
    c.channel_mult = {1, 2};
    c.attention_ds = {2};
    c.latent_dim = 16;
  }
  return c;
}

struct CaseRunner::State {
  LoadedModel model;
  std::unique_ptr<TrainStep> trainer;
  at::Tensor x, t, buffers, latent, images;
};

CaseRunner::CaseRunner(const CaseSpec& spec, const c10::Device& device)
    : spec_(spec), device_(device), state_(std::make_unique<State>()) {
  check_precision(spec.precision, device);
  const DiffusionRigConfig config = bench_config(spec.size);
  auto model = std::make_shared<networks::DiffusionRigImpl>(config);
  const auto options = torch::TensorOptions().device(device);
  const int64_t b = spec.batch, s = spec.size;
  State& st = *state_;
  st.images = torch::rand({b, 3, s, s}, options) * 2 - 1;
  st.buffers = torch::randn({b, 9, s, s}, options);
  if (spec.kind == Case::train_step) {
    model->to(device);
    TrainOptions train;
    train.precision = spec.precision;
    st.trainer = std::make_unique<TrainStep>(model, train);
    return;
  }
  st.model = prepare_for_inference(model, config, device);
  st.x = torch::randn({b, 3, s, s}, options);
  st.t = torch::full({b}, 500, torch::TensorOptions().dtype(torch::kLong).device(device));
  st.latent = torch::randn({b, config.latent_dim}, options);
  for (at::Tensor* v : {&st.x, &st.buffers, &st.images})
    *v = v->contiguous(inference_memory_format(device));
}

CaseRunner::~CaseRunner() = default;

void CaseRunner::iterate() {
  State& st = *state_;
  switch (spec_.kind) {
  case Case::unet_forward: {
    torch::InferenceMode guard;
    const AutocastScope autocast(device_, spec_.precision);
    st.model.model->denoisingUNet->forward(st.x, st.t, st.buffers, st.latent);
    break;
  }
  case Case::encoder_forward: {
    torch::InferenceMode guard;
    const AutocastScope autocast(device_, spec_.precision);
    st.model.model->encode(st.images);
    break;
  }
  case Case::ddim_edit: {
    // An edit as the app runs it: the source's latent, then DDIM from x_T.
    const at::Tensor latent = encode_latent(st.model, st.images);
    SampleOptions options;
    options.respacing = "ddim" + std::to_string(spec_.steps);
    options.precision = spec_.precision;
    options.seed = 1;
    sample(st.model, st.buffers, latent, {}, options);
    break;
  }
  case Case::fast_edit:
  case Case::first_preview: {
    const at::Tensor latent = encode_latent(st.model, st.images);
    SampleOptions options;
    // As the Studio: 3M for the result, 2M for the preview's few steps.
    options.sampler = spec_.kind == Case::fast_edit ? "dpmpp3m" : "dpmpp2m";
    options.respacing =
        std::to_string(spec_.kind == Case::fast_edit ? spec_.fast_steps : spec_.preview_steps);
    options.precision = spec_.precision;
    options.seed = 1;
    sample(st.model, st.buffers, latent, {}, options);
    break;
  }
  case Case::train_step:
    st.trainer->run(st.images, st.buffers);
    break;
  }
  if (device_.is_cuda())
    torch::cuda::synchronize();
}

int64_t peak_memory_bytes(const c10::Device& device) {
#ifdef DRIG_WITH_CUDA
  if (device.is_cuda()) {
    const auto stats =
        c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[0].peak; // aggregate pool
  }
#endif
  (void)device;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t(usage.ru_maxrss) * 1024;
}

void reset_peak_memory(const c10::Device& device) {
#ifdef DRIG_WITH_CUDA
  if (device.is_cuda()) {
    // The caching allocator knows no device before its first allocation.
    torch::empty({1}, torch::TensorOptions().device(device));
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
  }
#endif
  (void)device;
}

Timing time_case(const CaseSpec& spec, const c10::Device& device, int warmup, int iterations) {
  DRIG_CHECK(iterations > 0, "iterations must be positive");
  reset_peak_memory(device);
  CaseRunner runner(spec, device);
  for (int i = 0; i < warmup; ++i)
    runner.iterate();
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    runner.iterate();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.name = name_of(spec);
  t.device = describe_device(device);
  t.iterations = iterations;
  t.ms_min = ms.front();
  t.ms_median = ms[ms.size() / 2];
  t.images_per_s = 1000.0 * double(spec.batch) / t.ms_median;
  t.peak_bytes = peak_memory_bytes(device);
  return t;
}

} // namespace drig::bench
