// The diffusion model's benchmarks at the paper's size (256², 145 M
// parameters) and at the tiny test size, for each precision the device
// runs: UNet forward (batch 1 and 4), encoder forward, one DDIM edit end to
// end, one Stage 2 training step at batch 4. CI runs the tiny size only; run
// the full size on purpose:
//   bench_diffusion --benchmark_filter=/256/
#include "model/bench/diffusion_cases.h"
#include "model/device.h"

#include <benchmark/benchmark.h>

namespace {

using drig::Precision;
using drig::bench::Case;
using drig::bench::CaseSpec;

void register_case(const CaseSpec& spec, const c10::Device& device) {
  benchmark::RegisterBenchmark(
      drig::bench::name_of(spec).c_str(),
      [spec, device](benchmark::State& state) {
        drig::bench::reset_peak_memory(device);
        drig::bench::CaseRunner runner(spec, device);
        runner.iterate(); // warm-up: allocations, cuDNN search
        for (auto _ : state)
          runner.iterate();
        state.counters["images/s"] =
            benchmark::Counter(double(spec.batch), benchmark::Counter::kIsIterationInvariantRate);
        state.counters["peak_MiB"] = double(drig::bench::peak_memory_bytes(device)) / (1 << 20);
        state.SetLabel(drig::describe_device(device));
      })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

} // namespace

int main(int argc, char** argv) {
  drig::configure_torch_threads(0);
  const c10::Device device = drig::resolve_device(drig::DeviceSpec::parse("auto"));
  std::vector<Precision> precisions{Precision::fp32};
  if (device.is_cuda())
    precisions = {Precision::fp32, Precision::bf16, Precision::fp16};
  for (Precision p : precisions) {
    for (int64_t size : {32, 256}) {
      register_case({Case::unet_forward, size, 1, 0, p}, device);
      if (size == 256)
        register_case({Case::unet_forward, size, 4, 0, p}, device);
      register_case({Case::encoder_forward, size, 1, 0, p}, device);
      register_case({Case::ddim_edit, size, 1, size == 256 ? 20 : 10, p}, device);
      register_case({Case::train_step, size, 4, 0, p}, device);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
