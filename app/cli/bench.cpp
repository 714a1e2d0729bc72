// diffusionrig bench: the diffusion benchmark cases on this machine, and
// with --compare-python the same cases in eager PyTorch through Python, in
// the same run, so the ratio compares like with like.
#include "app/cli/bench.h"

#include "model/base/atomic_file.h"
#include "model/bench/bench_runner.h"
#include "model/device.h"

#include <nlohmann/json.hpp>

namespace drig::cli {

CommandRunner add_bench_command(CLI::App& sub) {
  struct Options {
    std::string cases = "unet_forward,encoder_forward,ddim_edit,train_step";
    std::string precisions = "fp32";
    int64_t size = 256, batch = 1, train_batch = 4;
    int steps = 20, fast_steps = 15, preview_steps = 3;
    bench::BenchRequest request;
    std::string json_out;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--cases", o->cases,
                 "Comma list of cases (also fast_edit: the Studio's result, dpmpp3m; "
                 "first_preview: its first preview image)")
      ->capture_default_str();
  sub.add_option("--size", o->size, "256: the paper's model; other sizes: the tiny architecture")
      ->check(CLI::Range(16, 1024))
      ->capture_default_str();
  sub.add_option("--batch", o->batch, "Batch of the inference cases")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub.add_option("--train-batch", o->train_batch, "Batch of the training step")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub.add_option("--steps", o->steps, "DDIM steps of an edit")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub.add_option("--fast-steps", o->fast_steps, "DPM-Solver++ 3M steps of fast_edit")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub.add_option("--preview-steps", o->preview_steps, "DPM-Solver++ 2M steps of first_preview")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub.add_option("--precision", o->precisions, "Comma list of fp32, bf16, fp16, auto")
      ->capture_default_str();
  sub.add_option("--iterations", o->request.iterations, "Timed runs per case (median reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub.add_option("--warmup", o->request.warmup, "Untimed runs first")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  sub.add_flag("--compare-python", o->request.compare_python,
               "Also time the original's code in eager PyTorch (CPU, fp32) and print the ratio "
               "(fast_edit against its DDIM edit, first_preview against one UNet forward)");
  sub.add_option("--python", o->request.python, "Python with torch for --compare-python")
      ->capture_default_str();
  sub.add_option("--python-script", o->request.python_script, "diffusionrig_reference.py to run");
  sub.add_option("--json", o->json_out, "Also write the results to this JSON file");
  sub.footer("Random weights; the 256 model needs ~1.5 GB of memory per training batch image.");
  return [o](CommandEnv& env) {
    const c10::Device device = resolve_device(DeviceSpec::parse(env.global.device));
    o->request.specs = bench::make_specs(o->cases, o->precisions, o->size, o->batch, o->train_batch,
                                         o->steps, device, o->fast_steps, o->preview_steps);
    const auto results = bench::run_benchmarks(o->request, device, env.job.cancel, stdout);
    if (!o->json_out.empty())
      write_file_atomic(o->json_out, results.dump(1) + "\n");
    return 0;
  };
}

} // namespace drig::cli
