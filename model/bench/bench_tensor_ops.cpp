// Baseline kernels the later model benchmarks are read against: they show
// whether the thread setting took effect and what the device gives.
#include "model/device.h"
#include "model/precision.h"

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

// Issue 23 asked for conv weights prepacked once for oneDNN. In torch 1.13 the
// only prepacked entry point is mkldnn_reorder_conv2d_weight + mkldnn_convolution;
// this case weighs it against what the sampler does (a dense bf16 weight that
// oneDNN reorders per call), per UNet level: {channels, side, layout}.
enum Bf16Layout : int64_t { kNchw = 0, kChannelsLast = 1, kPrepacked = 2 };

void BM_Conv3x3Bf16(benchmark::State& state) {
  if (!drig::cpu_has_native_bf16()) {
    state.SkipWithError("this CPU has no native bf16 (AVX512-BF16 or AMX)");
    return;
  }
  drig::configure_torch_threads(0);
  const int64_t channels = state.range(0), side = state.range(1);
  const auto layout = static_cast<Bf16Layout>(state.range(2));
  torch::InferenceMode guard;
  const auto format =
      layout == kNchw ? at::MemoryFormat::Contiguous : at::MemoryFormat::ChannelsLast;
  auto x = torch::randn({1, channels, side, side}).to(torch::kBFloat16).contiguous(format);
  auto w = torch::randn({channels, channels, 3, 3}).mul(0.02).to(torch::kBFloat16);
  auto b = torch::zeros({channels}).to(torch::kBFloat16);
  if (layout == kChannelsLast)
    w = w.contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor packed;
  if (layout == kPrepacked)
    packed = at::mkldnn_reorder_conv2d_weight(w.to_mkldnn(), {1, 1}, {1, 1}, {1, 1}, 1);
  for (auto _ : state) {
    if (layout == kPrepacked)
      benchmark::DoNotOptimize(at::mkldnn_convolution(x, packed, b, {1, 1}, {1, 1}, {1, 1}, 1));
    else
      benchmark::DoNotOptimize(at::conv2d(x, w, b, 1, 1));
  }
  static const char* names[] = {"dense NCHW", "dense channels_last", "prepacked oneDNN"};
  state.SetLabel(names[layout]);
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
// The 256² UNet's levels: 128 channels at 128², 256 at 64², 512 at 32².
BENCHMARK(BM_Conv3x3Bf16)
    ->ArgsProduct({{128}, {128}, {kNchw, kChannelsLast, kPrepacked}})
    ->ArgsProduct({{256}, {64}, {kNchw, kChannelsLast, kPrepacked}})
    ->ArgsProduct({{512}, {32}, {kNchw, kChannelsLast, kPrepacked}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
