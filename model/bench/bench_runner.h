#pragma once

// Runs a list of benchmark cases, prints a table and returns the rows as
// JSON; with compare_python, the Python reference times the same fp32 cases
// in eager PyTorch first, in the same run. Shared by `diffusionrig bench`
// and the LibTorch-only `bench_cases` (GPU machines build no CLI).
#include "model/base/progress.h"
#include "model/bench/diffusion_cases.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace drig::bench {

struct BenchRequest {
  std::vector<CaseSpec> specs;
  int warmup = 1, iterations = 3;
  bool compare_python = false;
  std::string python = "/usr/bin/python3";
  std::string python_script; // empty: look next to the program, then in the source tree
};

// One spec per (precision, case) from comma lists; throws Error naming what is wrong.
// "auto" among the precisions is the one the device runs fastest natively.
std::vector<CaseSpec> make_specs(const std::string& cases, const std::string& precisions,
                                 int64_t size, int64_t batch, int64_t train_batch, int steps,
                                 const c10::Device& device, int fast_steps = 15,
                                 int preview_steps = 3);

nlohmann::json run_benchmarks(const BenchRequest& request, const c10::Device& device,
                              const CancelToken& cancel, std::FILE* table);

} // namespace drig::bench
