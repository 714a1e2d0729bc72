#pragma once

// The diffusion benchmark cases, shared by the Google Benchmark target
// (bench_diffusion) and `diffusionrig bench`: each prepares a model with
// random weights (speed does not depend on their values) and runs one
// iteration of the real code path on demand.
#include "model/diffusionrig_config.h"
#include "model/precision.h"

#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

namespace drig::bench {

// fast_edit: the Studio's final result (DPM-Solver++ 3M at fast_steps);
// first_preview: its progressive preview's first image (preview_steps).
enum class Case { unet_forward, encoder_forward, ddim_edit, train_step, fast_edit, first_preview };

struct CaseSpec {
  Case kind = Case::unet_forward;
  int64_t size = 256; // 256: the paper's model; anything else: the tiny fixture architecture
  int64_t batch = 1;
  int steps = 20; // DDIM steps of an edit
  Precision precision = Precision::fp32;
  int fast_steps = 15;   // DPM-Solver++ steps of fast_edit
  int preview_steps = 3; // ... and of first_preview
};

Case parse_case(const std::string& name);
std::string to_string(Case kind);
// "ddim_edit/256/b1/fp32" (steps appear for the edits: "ddim20_edit",
// "dpmpp3m15_edit", "preview3").
std::string name_of(const CaseSpec& spec);
DiffusionRigConfig bench_config(int64_t size);

class CaseRunner {
public:
  CaseRunner(const CaseSpec& spec, const c10::Device& device);
  ~CaseRunner();
  CaseRunner(const CaseRunner&) = delete;
  CaseRunner& operator=(const CaseRunner&) = delete;

  void iterate(); // one iteration, finished on the device when it returns
  int64_t images_per_iteration() const { return spec_.batch; }
  const CaseSpec& spec() const { return spec_; }

private:
  struct State;
  CaseSpec spec_;
  c10::Device device_;
  std::unique_ptr<State> state_;
};

struct Timing {
  std::string name;
  std::string device;
  double ms_median = 0, ms_min = 0;
  double images_per_s = 0;
  int64_t peak_bytes = 0; // CUDA: allocator peak of the case; CPU: process peak RSS
  int iterations = 0;
};

Timing time_case(const CaseSpec& spec, const c10::Device& device, int warmup, int iterations);

int64_t peak_memory_bytes(const c10::Device& device);
void reset_peak_memory(const c10::Device& device);

} // namespace drig::bench
