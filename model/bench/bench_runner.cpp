#include "model/bench/bench_runner.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/device.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <map>
#include <sstream>
#include <unistd.h>

namespace drig::bench {
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

// What each case is compared with in the original code: the fast edit with
// the original's DDIM edit, the first preview with one original UNet step.
std::string python_case(Case kind) {
  switch (kind) {
  case Case::ddim_edit:
  case Case::fast_edit:
    return "ddim";
  case Case::first_preview:
    return "unet_forward";
  default:
    return to_string(kind);
  }
}

// Runs the Python reference once for all cases; ms per case name.
std::map<std::string, double> run_python(const std::string& python, const fs::path& script,
                                         const std::vector<CaseSpec>& specs, int threads,
                                         int warmup, int iterations) {
  const CaseSpec& first = specs.front();
  const fs::path config = fs::temp_directory_path() / fmt::format("drig-bench-{}.json", ::getpid());
  write_file_atomic(config, original_args(bench_config(first.size)).dump());
  std::vector<std::string> cases;
  int64_t train_batch = 4, batch = 1;
  for (const auto& s : specs) {
    if (std::find(cases.begin(), cases.end(), python_case(s.kind)) == cases.end())
      cases.push_back(python_case(s.kind));
    (s.kind == Case::train_step ? train_batch : batch) = s.batch;
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

std::vector<CaseSpec> make_specs(const std::string& cases, const std::string& precisions,
                                 int64_t size, int64_t batch, int64_t train_batch, int steps,
                                 const c10::Device& device, int fast_steps, int preview_steps) {
  std::vector<CaseSpec> specs;
  for (const auto& p : split(precisions))
    for (const auto& c : split(cases)) {
      CaseSpec s;
      s.kind = parse_case(c);
      s.size = size;
      s.batch = s.kind == Case::train_step ? train_batch : batch;
      s.steps = steps;
      s.fast_steps = fast_steps;
      s.preview_steps = preview_steps;
      s.precision = resolve_precision(p, device);
      specs.push_back(s);
    }
  DRIG_CHECK(!specs.empty(), "no cases to run");
  return specs;
}

json run_benchmarks(const BenchRequest& request, const c10::Device& device,
                    const CancelToken& cancel, std::FILE* table) {
  for (const auto& s : request.specs)
    check_precision(s.precision, device);
  const bool compare = request.compare_python;
  DRIG_CHECK(!compare || device.is_cpu(),
             "--compare-python runs on the CPU (the Python reference has no CUDA path); "
             "add --device cpu");
  std::map<std::string, double> python_ms;
  if (compare)
    // The original runs fp32 only: every precision of ours is compared with it.
    python_ms =
        run_python(request.python, find_python_reference(request.python_script), request.specs,
                   at::get_num_threads(), request.warmup, request.iterations);
  fmt::print(table, "{:<32} {:>11} {:>11} {:>9} {:>10}{}\n", "case", "ms/iter", "min ms",
             "images/s", "peak MiB",
             compare ? fmt::format(" {:>11} {:>8}", "python ms", "ratio") : "");
  json results = json::array();
  for (const auto& s : request.specs) {
    cancel.check();
    const Timing t = time_case(s, device, request.warmup, request.iterations);
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
    if (it != python_ms.end()) {
      // > 1: ours is faster than eager PyTorch on the same machine.
      row["python_ms_per_iter"] = it->second;
      row["python_over_ours"] = it->second / t.ms_median;
      extra = fmt::format(" {:>11.1f} {:>7.2f}x", it->second, it->second / t.ms_median);
    }
    fmt::print(table, "{:<32} {:>11.1f} {:>11.1f} {:>9.2f} {:>10.0f}{}\n", t.name, t.ms_median,
               t.ms_min, t.images_per_s, double(t.peak_bytes) / (1 << 20), extra);
    std::fflush(table);
    results.push_back(row);
  }
  fmt::print(table, "device: {}, {} threads\n", describe_device(device), at::get_num_threads());
  return results;
}

} // namespace drig::bench
