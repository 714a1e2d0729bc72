// diffusionrig bench: the diffusion benchmark cases on this machine, and
// with --compare-python the same cases in eager PyTorch through Python, in
// the same run, so the ratio compares like with like.
#include "app/cli/bench.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/bench/diffusion_cases.h"
#include "model/device.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace drig::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

fs::path find_python_reference(const std::string& given) {
  if (!given.empty()) {
    DRIG_CHECK(fs::is_regular_file(given), "{}: no such file (--python-script)", given);
    return given;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share/diffusionrig/python_reference");
  candidates.push_back(fs::path(DRIG_SOURCE_DIR) / "model/bench/python_reference");
  for (const auto& dir : candidates)
    if (fs::is_regular_file(dir / "diffusionrig_reference.py"))
      return dir / "diffusionrig_reference.py";
  fail("cannot find diffusionrig_reference.py (looked in {}); give --python-script",
       candidates.back().string());
}

// The bench configuration in the original's argument names, for Python.
json original_args(const DiffusionRigConfig& c) {
  std::vector<std::string> mult;
  for (double m : c.channel_mult)
    mult.push_back(std::to_string(static_cast<int>(m)));
  return {{"image_size", c.image_size},
          {"num_channels", c.model_channels},
          {"num_res_blocks", c.num_res_blocks},
          {"attention_resolutions", c.attention_resolutions()},
          {"channel_mult", fmt::format("{}", fmt::join(mult, ","))},
          {"latent_dim", c.latent_dim},
          {"dropout", c.dropout},
          {"encoder_type", c.encoder_type}};
}

std::string python_case(bench::Case kind) {
  return kind == bench::Case::ddim_edit ? "ddim" : bench::to_string(kind);
}

// Runs the Python reference once for all cases; ms per case name.
std::map<std::string, double> run_python(const std::string& python, const fs::path& script,
                                         const std::vector<bench::CaseSpec>& specs, int threads,
                                         int warmup, int iterations) {
  const bench::CaseSpec& first = specs.front();
  const fs::path config = fs::temp_directory_path() / fmt::format("drig-bench-{}.json", ::getpid());
  write_file_atomic(config, original_args(bench::bench_config(first.size)).dump());
  std::vector<std::string> cases;
  int64_t train_batch = 4, batch = 1;
  for (const auto& s : specs) {
    cases.push_back(python_case(s.kind));
    (s.kind == bench::Case::train_step ? train_batch : batch) = s.batch;
  }
  const std::string command = fmt::format(
      "'{}' '{}' --bench --config '{}' --threads {} --batch {} --train-batch {} --steps {} "
      "--iterations {} --warmup {} --cases {}",
      python, script.string(), config.string(), threads, batch, train_batch, first.steps,
      iterations, warmup, fmt::join(cases, ","));
  spdlog::info("python: {}", command);
  std::map<std::string, double> ms;
  FILE* pipe = ::popen(command.c_str(), "r");
  DRIG_CHECK(pipe != nullptr, "cannot run {}", python);
  char line[4096];
  while (std::fgets(line, sizeof line, pipe)) {
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("case") && j.contains("ms_per_iter"))
      ms[j["case"].get<std::string>()] = j["ms_per_iter"].get<double>();
  }
  const int status = ::pclose(pipe);
  fs::remove(config);
  DRIG_CHECK(status == 0, "the Python reference failed (exit status {}): {}", status, command);
  return ms;
}

} // namespace

CommandRunner add_bench_command(CLI::App& sub) {
  struct Options {
    std::string cases = "unet_forward,encoder_forward,ddim_edit,train_step";
    std::string precisions = "fp32";
    int64_t size = 256, batch = 1, train_batch = 4;
    int steps = 20, iterations = 3, warmup = 1;
    bool compare_python = false;
    std::string python = "/usr/bin/python3", python_script, json_out;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--cases", o->cases, "Comma list of cases")->capture_default_str();
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
  sub.add_option("--precision", o->precisions, "Comma list of fp32, bf16, fp16")
      ->capture_default_str();
  sub.add_option("--iterations", o->iterations, "Timed runs per case (median reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub.add_option("--warmup", o->warmup, "Untimed runs first")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  sub.add_flag("--compare-python", o->compare_python,
               "Also time the same cases in eager PyTorch (CPU, fp32) and print the ratio");
  sub.add_option("--python", o->python, "Python with torch for --compare-python")
      ->capture_default_str();
  sub.add_option("--python-script", o->python_script, "diffusionrig_reference.py to run");
  sub.add_option("--json", o->json_out, "Also write the results to this JSON file");
  sub.footer("Random weights; the 256 model needs ~1.5 GB of memory per training batch image.");
  return [o](CommandEnv& env) {
    const c10::Device device = resolve_device(DeviceSpec::parse(env.global.device));
    std::vector<bench::CaseSpec> specs;
    for (const auto& p : split(o->precisions))
      for (const auto& c : split(o->cases)) {
        bench::CaseSpec s;
        s.kind = bench::parse_case(c);
        s.size = o->size;
        s.batch = s.kind == bench::Case::train_step ? o->train_batch : o->batch;
        s.steps = o->steps;
        s.precision = parse_precision(p);
        check_precision(s.precision, device);
        specs.push_back(s);
      }
    DRIG_CHECK(!specs.empty(), "no cases to run");
    const bool compare = o->compare_python;
    DRIG_CHECK(!compare || device.is_cpu(),
               "--compare-python runs on the CPU (the Python reference has no CUDA path); "
               "add --device cpu");
    fmt::print("{:<32} {:>11} {:>11} {:>9} {:>10}{}\n", "case", "ms/iter", "min ms", "images/s",
               "peak MiB", compare ? fmt::format(" {:>11} {:>8}", "python ms", "ratio") : "");
    std::map<std::string, double> python_ms;
    if (compare) {
      std::vector<bench::CaseSpec> fp32;
      for (const auto& s : specs)
        if (s.precision == Precision::fp32)
          fp32.push_back(s);
      if (!fp32.empty())
        python_ms = run_python(o->python, find_python_reference(o->python_script), fp32,
                               at::get_num_threads(), o->warmup, o->iterations);
    }
    json results = json::array();
    for (const auto& s : specs) {
      env.job.cancel.check();
      const bench::Timing t = bench::time_case(s, device, o->warmup, o->iterations);
      json row = {{"case", t.name},
                  {"device", t.device},
                  {"ms_per_iter", t.ms_median},
                  {"ms_min", t.ms_min},
                  {"images_per_s", t.images_per_s},
                  {"peak_bytes", t.peak_bytes},
                  {"iterations", t.iterations},
                  {"threads", at::get_num_threads()}};
      std::string extra;
      const auto it = python_ms.find(python_case(s.kind));
      if (s.precision == Precision::fp32 && it != python_ms.end()) {
        // > 1: ours is faster than eager PyTorch on the same machine.
        row["python_ms_per_iter"] = it->second;
        row["python_over_ours"] = it->second / t.ms_median;
        extra = fmt::format(" {:>11.1f} {:>7.2f}x", it->second, it->second / t.ms_median);
      }
      fmt::print("{:<32} {:>11.1f} {:>11.1f} {:>9.2f} {:>10.0f}{}\n", t.name, t.ms_median, t.ms_min,
                 t.images_per_s, double(t.peak_bytes) / (1 << 20), extra);
      std::fflush(stdout);
      results.push_back(row);
    }
    fmt::print("device: {}, {} threads\n", describe_device(device), at::get_num_threads());
    if (!o->json_out.empty())
      write_file_atomic(o->json_out, results.dump(1) + "\n");
    return 0;
  };
}

} // namespace drig::cli
