#pragma once

// One call from a checkpoint + conditions to generated images: what
// `diffusionrig sample` runs and what the editing engine builds on.
#include "model/base/options.h"
#include "model/base/progress.h"
#include "model/diffusionrig_config.h"
#include "model/precision.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace drig {

namespace networks {
struct DiffusionRigImpl;
}
class CudaGraphForward;

// A DiffusionRig model loaded from a checkpoint (architecture inferred from
// its keys and shapes, then `config_json` applied when given), in eval mode
// on `device`. Convolution weights are stored in inference_memory_format,
// and on CUDA cuDNN picks its fastest algorithms for the fixed shapes of
// sampling.
struct LoadedModel {
  DiffusionRigConfig config;
  std::shared_ptr<networks::DiffusionRigImpl> model;
  c10::Device device = c10::Device(c10::kCPU);
  // The last captured sampling graph (CUDA), reused while shapes and
  // precision stay the same; shared by copies of this struct.
  std::shared_ptr<std::shared_ptr<CudaGraphForward>> graph =
      std::make_shared<std::shared_ptr<CudaGraphForward>>();
};
// The memory format inference runs in on `device`: channels_last (NHWC) on
// CUDA and on the CPU, where oneDNN's convolutions run it without reordering
// activations around every layer (DRIG_CHANNELS_LAST=0 turns it off, for
// benchmarks).
at::MemoryFormat inference_memory_format(const c10::Device& device);

LoadedModel load_diffusionrig(const std::filesystem::path& checkpoint, const c10::Device& device,
                              const std::filesystem::path& config_json = {});
// The same for a model built in memory (benchmarks, training results).
LoadedModel prepare_for_inference(std::shared_ptr<networks::DiffusionRigImpl> model,
                                  const DiffusionRigConfig& config, const c10::Device& device);

struct SampleOptions {
  // The steps: for DDIM any space_timesteps spec ("ddim20", "20", "10,15");
  // for the DPM-Solver++ samplers a step count ("15"; "ddim15" reads as 15).
  std::string respacing = "ddim20";
  // "ddim" (the original's), "dpmpp2m", "dpmpp3m" or "unipc" (model/diffusion/ode_solver.h).
  std::string sampler = "ddim";
  // "" = the sampler's own (the original's respacing for DDIM, quadratic in
  // t for DPM-Solver++: the placement that met the fidelity bar on every
  // trained model measured, issue 23); "logsnr", "quadratic" or "uniform"
  // place a step count on the 1000 steps (then DDIM runs as the first-order
  // solver on those timesteps).
  std::string placement;
  double eta = 0.0;
  bool ddim = true; // false: the original's ancestral p_sample_loop (--use_ddim False)
  bool clip_denoised = true;
  int64_t seed = -1;             // < 0: nondeterministic x_T
  bool keep_predictions = false; // predicted x_0 after every step
  Precision precision = Precision::fp32;
  int64_t batch = 0; // images per forward pass; 0 = all at once
  // After every step: (steps done, total steps, predicted x_0 of the chunk
  // being sampled, on its device). For live previews.
  std::function<void(int64_t, int64_t, const at::Tensor&)> on_step;

  // Every problem at once (sampler, steps, placement, eta, batch), each
  // naming the option; sample() refuses options that fail it.
  void check(OptionCheck& check) const;
};

struct SampleResult {
  at::Tensor samples;     // (B,3,H,W) in [-1,1] as the model produced them (CPU)
  at::Tensor predictions; // (steps,B,3,H,W) when requested
};

// The encoder's latent for aligned images in [-1, 1], (B,3,H,W).
at::Tensor encode_latent(const LoadedModel& model, const at::Tensor& images);

// The step count of a DPM-Solver++ steps spec ("15" or "ddim15"); Error otherwise.
int64_t solver_step_count(const std::string& spec);

// DDIM (or any respaced) or DPM-Solver++ sampling with `buffers` (B,9,H,W) and `latent`
// (B,latent_dim); `noise` is x_T when defined (else drawn for all B at once
// from `seed`, so the images do not depend on `batch`). Cancellable between
// steps; progress counts steps over all chunks.
SampleResult sample(const LoadedModel& model, const at::Tensor& buffers, const at::Tensor& latent,
                    const at::Tensor& noise, const SampleOptions& options,
                    const JobContext& job = {});

} // namespace drig
