// UNet forward and one DDIM edit at the paper's size (256², 145 M parameters)
// and at the tiny test size. Run the full size on purpose:
//   bench_diffusion --benchmark_filter=256
#include "model/device.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/networks/diffusionrig_model.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

drig::DiffusionRigConfig config_for(int64_t size) {
  drig::DiffusionRigConfig c; // the 256 defaults
  if (size != 256) {          // the tiny fixture's architecture
    c.model_channels = 32;
    c.num_res_blocks = 1;
    c.channel_mult = {1, 2};
    c.attention_ds = {2};
    c.latent_dim = 16;
  }
  return c;
}

c10::Device bench_device() {
  drig::configure_torch_threads(0);
  return drig::resolve_device(drig::DeviceSpec::parse("auto"));
}

// Random weights: speed does not depend on their values.
drig::networks::DiffusionRig eval_model(int64_t size, const c10::Device& device) {
  drig::networks::DiffusionRig model(config_for(size));
  model->eval();
  model->to(device);
  return model;
}

void BM_UNetForward(benchmark::State& state) {
  const int64_t size = state.range(0), batch = state.range(1);
  const c10::Device device = bench_device();
  drig::networks::DiffusionRig model = eval_model(size, device);
  torch::InferenceMode guard;
  const auto options = torch::TensorOptions().device(device);
  const at::Tensor x = torch::randn({batch, 3, size, size}, options);
  const at::Tensor buffers = torch::randn({batch, 9, size, size}, options);
  const at::Tensor latent = torch::randn({batch, model->denoisingUNet->config.latent_dim}, options);
  const at::Tensor t =
      torch::full({batch}, 500, torch::TensorOptions().dtype(torch::kLong).device(device));
  for (auto _ : state) {
    benchmark::DoNotOptimize(model->denoisingUNet->forward(x, t, buffers, latent));
    if (device.is_cuda())
      torch::cuda::synchronize();
  }
  state.counters["images/s"] =
      benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(drig::describe_device(device));
}

void BM_DdimEdit(benchmark::State& state) {
  const int64_t size = state.range(0), steps = state.range(1);
  const c10::Device device = bench_device();
  drig::networks::DiffusionRig model = eval_model(size, device);
  torch::InferenceMode guard;
  const auto options = torch::TensorOptions().device(device);
  const at::Tensor buffers = torch::randn({1, 9, size, size}, options);
  const at::Tensor latent = model->encode(torch::randn({1, 3, size, size}, options));
  const auto schedule =
      drig::diffusion::make_schedule("linear", 1000, "ddim" + std::to_string(steps));
  for (auto _ : state) {
    benchmark::DoNotOptimize(drig::diffusion::ddim_sample_loop(
        schedule,
        [&](const at::Tensor& x, const at::Tensor& t) {
          return model->denoisingUNet->forward(x, t, buffers, latent);
        },
        torch::randn({1, 3, size, size}, options), 0.0, true));
    if (device.is_cuda())
      torch::cuda::synchronize();
  }
  state.SetLabel(drig::describe_device(device));
}

} // namespace

BENCHMARK(BM_UNetForward)
    ->Args({32, 1})
    ->Args({256, 1})
    ->Args({256, 4})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DdimEdit)->Args({32, 10})->Args({256, 20})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
