// Baseline kernels the later model benchmarks are read against: they show
// whether the thread setting took effect and what the device gives.
#include "model/device.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

namespace {

void configure(benchmark::State& state, c10::Device& device) {
  drig::configure_torch_threads(0);
  device = drig::resolve_device(drig::DeviceSpec::parse(state.range(1) ? "cuda" : "cpu"));
}

void sync(const c10::Device& device) {
  if (device.is_cuda())
    torch::cuda::synchronize();
}

void BM_Matmul(benchmark::State& state) {
  c10::Device device(c10::kCPU);
  configure(state, device);
  const int64_t n = state.range(0);
  torch::InferenceMode guard;
  auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  for (auto _ : state) {
    benchmark::DoNotOptimize(torch::mm(a, b));
    sync(device);
  }
  state.counters["FLOP/s"] = benchmark::Counter(
      2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.SetLabel(drig::describe_device(device));
}

void BM_Conv3x3(benchmark::State& state) {
  c10::Device device(c10::kCPU);
  configure(state, device);
  const int64_t channels = state.range(0);
  torch::InferenceMode guard;
  auto x = torch::randn({1, channels, 64, 64}, torch::TensorOptions().device(device));
  auto w = torch::randn({channels, channels, 3, 3}, torch::TensorOptions().device(device));
  for (auto _ : state) {
    benchmark::DoNotOptimize(torch::conv2d(x, w, {}, 1, 1));
    sync(device);
  }
  state.SetLabel(drig::describe_device(device));
}

void devices(benchmark::internal::Benchmark* bench, std::vector<int64_t> sizes) {
  const bool cuda = torch::cuda::is_available();
  for (int64_t size : sizes) {
    bench->Args({size, 0});
    if (cuda)
      bench->Args({size, 1});
  }
}

} // namespace

BENCHMARK(BM_Matmul)->Apply([](auto* b) {
                      devices(b, {256, 1024});
                    }) -> Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv3x3)->Apply([](auto* b) {
                       devices(b, {64, 128});
                     }) -> Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
