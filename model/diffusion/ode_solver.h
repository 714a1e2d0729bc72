#pragma once

// Higher-order solvers of the probability-flow ODE on the original's
// discrete schedule: multistep DPM-Solver++ (Lu et al. 2022) in data
// prediction, with the original's clip_denoised clamp of x_0 before every
// update and, for orders 2 and 3, of the step's combined data term (the
// exact one is a mean of clipped x_0, so it never leaves [-1, 1]). Order 1
// is exactly DDIM (eta 0) on the same timesteps, so one loop serves the
// fast samplers and the step-placement experiments.
//
// Steps are evaluations of the model at integer timesteps of the 1000-step
// grid the network was trained on (no interpolated alphas); the last
// evaluation is at timestep 0 and its x_0 is the result, as DDIM's last step.
#include "model/diffusion/gaussian_diffusion.h"

#include <string>
#include <vector>

namespace drig::diffusion {

// unipc: the 2M predictor (UniPC's B(h) = expm1(-h) variant is exactly 2M)
// with UniPC's corrector (Zhao et al. 2023), which refines each state with
// the model output taken there anyway: one order more, no extra evaluation.
enum class SamplerKind { ddim, dpmpp2m, dpmpp3m, unipc };
// "ddim" | "dpmpp2m" | "dpmpp3m" | "unipc" (Error naming the choices otherwise).
SamplerKind parse_sampler(const std::string& name);
std::string to_string(SamplerKind kind);

// Where N evaluations go between the noisiest timestep and 0: uniformly in
// t; quadratically in t (t = T (1 - i/N)^2, the DDIM paper's "quad"); or
// uniformly in log-SNR (lambda = log(alpha / sigma)), which puts the most
// of them near the end where the image's detail forms.
enum class StepPlacement { uniform_t, quadratic_t, logsnr };
StepPlacement parse_placement(const std::string& name); // "uniform" | "quadratic" | "logsnr"
std::string to_string(StepPlacement placement);

// `steps` distinct timesteps of the base grid (alphas_cumprod.size() steps),
// descending from the last one to 0. Error when steps < 1 or > the grid.
std::vector<int64_t> solver_timesteps(const std::vector<double>& alphas_cumprod, int64_t steps,
                                      StepPlacement placement);

// Multistep DPM-Solver++ of `order` (1..3) from x_T = `noise` at
// timesteps[0] through every timestep; `denoise` gets the timesteps as the
// model sees them (they are base-grid timesteps already). Cancellable
// between steps; `on_step` gets (steps left, sample, clipped x_0).
// `corrector` adds UniPC's corrector (orders 1 and 2 of the predictor).
at::Tensor dpm_solver_loop(const std::vector<double>& alphas_cumprod,
                           const std::vector<int64_t>& timesteps, int order,
                           const Denoiser& denoise, const at::Tensor& noise, bool clip_denoised,
                           const JobContext& job = {}, const StepCallback& on_step = {},
                           bool corrector = false);

} // namespace drig::diffusion
