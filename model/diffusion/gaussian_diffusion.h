#pragma once

// Gaussian diffusion math on tensors (forward noising, DDIM steps, the
// training loss), in the original's order of operations: schedule arrays are
// indexed in float64 and cast to float32 per sample. The denoiser is passed
// in, so this file knows nothing of the networks.
#include "model/base/progress.h"
#include "model/diffusion/schedule.h"

#include <ATen/core/Tensor.h>

#include <functional>

namespace drig::diffusion {

// arr[t] for each sample, as float32, shaped to broadcast against `like`.
at::Tensor extract(const std::vector<double>& arr, const at::Tensor& t, const at::Tensor& like);

// x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise.
at::Tensor q_sample(const Schedule& s, const at::Tensor& x0, const at::Tensor& t,
                    const at::Tensor& noise);

at::Tensor predict_xstart_from_eps(const Schedule& s, const at::Tensor& x_t, const at::Tensor& t,
                                   const at::Tensor& eps);

struct StepResult {
  at::Tensor sample;
  at::Tensor pred_xstart;
};

// One DDIM step from spaced index t (eta = 0 is deterministic); `noise` is
// the z the stochastic part uses (ignored when eta = 0, but the original
// still draws it, so callers that replay the original pass their own).
StepResult ddim_step(const Schedule& s, const at::Tensor& x_t, const at::Tensor& t,
                     const at::Tensor& eps, double eta, bool clip_denoised,
                     const at::Tensor& noise = {});

// The model's timestep input for spaced indices t (timestep_map[t]).
at::Tensor model_timesteps(const Schedule& s, const at::Tensor& t);

// Per-sample training MSE against the eps target, with the paper's P2 weight
// 1/(k + snr_t)^gamma when `p2` is set.
at::Tensor training_mse(const Schedule& s, const at::Tensor& noise, const at::Tensor& model_out,
                        const at::Tensor& t, bool p2, double p2_gamma = 1.0, double p2_k = 1.0);

// eps prediction for x_t at the model timesteps (timestep_map applied).
using Denoiser = std::function<at::Tensor(const at::Tensor& x_t, const at::Tensor& model_t)>;
// Called after each step: step index counting down (N-1 .. 0), sample, pred_xstart.
using StepCallback =
    std::function<void(int64_t index, const at::Tensor& sample, const at::Tensor& pred_xstart)>;

// The DDIM loop from x_T = `noise` through every step of `s`; cancellable
// between steps (CancelledError) and reporting progress per step.
at::Tensor ddim_sample_loop(const Schedule& s, const Denoiser& denoise, const at::Tensor& noise,
                            double eta, bool clip_denoised, const JobContext& job = {},
                            const StepCallback& on_step = {});

} // namespace drig::diffusion
