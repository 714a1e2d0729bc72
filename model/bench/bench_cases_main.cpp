// bench_cases: `diffusionrig bench` for LibTorch-only builds (a GPU machine
// has no Qt/OpenCV/CLI11 and maybe no Google Benchmark):
//   bench_cases [--device auto] [--size 256] [--cases a,b] [--precision fp32,bf16]
//               [--batch 1] [--train-batch 4] [--steps 20] [--iterations 3]
//               [--warmup 1] [--json FILE] [--compare-python]
//               [--fast-steps 15] [--preview-steps 3]
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/bench/bench_runner.h"
#include "model/device.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <string>

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--device", "auto"},    {"--size", "256"},
      {"--precision", "fp32"}, {"--cases", "unet_forward,encoder_forward,ddim_edit,train_step"},
      {"--batch", "1"},        {"--train-batch", "4"},
      {"--steps", "20"},       {"--iterations", "3"},
      {"--warmup", "1"},       {"--json", ""},
      {"--threads", "0"},      {"--fast-steps", "15"},
      {"--preview-steps", "3"}};
  drig::bench::BenchRequest request;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string key = argv[i];
      if (key == "--compare-python") {
        request.compare_python = true;
        continue;
      }
      DRIG_CHECK(args.count(key) && i + 1 < argc, "unknown option or missing value: {}", key);
      args[key] = argv[++i];
    }
    drig::configure_torch_threads(std::stoi(args["--threads"]));
    const c10::Device device = drig::resolve_device(drig::DeviceSpec::parse(args["--device"]));
    request.specs = drig::bench::make_specs(
        args["--cases"], args["--precision"], std::stoll(args["--size"]),
        std::stoll(args["--batch"]), std::stoll(args["--train-batch"]), std::stoi(args["--steps"]),
        device, std::stoi(args["--fast-steps"]), std::stoi(args["--preview-steps"]));
    request.iterations = std::stoi(args["--iterations"]);
    request.warmup = std::stoi(args["--warmup"]);
    const auto results = drig::bench::run_benchmarks(request, device, {}, stdout);
    if (!args["--json"].empty())
      drig::write_file_atomic(args["--json"], results.dump(1) + "\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cases: %s\n", e.what());
    return 1;
  }
  return 0;
}
