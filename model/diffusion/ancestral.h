#pragma once

// The original's ancestral sampler (p_sample_loop, used with --use_ddim
// False): the posterior q(x_{t-1} | x_t, x0) with x0 from the model's eps,
// and a variance that is fixed (large or small) or learned (learn_sigma).
#include "model/diffusion/gaussian_diffusion.h"

#include <string>

namespace drig::diffusion {

enum class VarianceType { fixed_large, fixed_small, learned_range };

// "fixed_large" | "fixed_small" | "learned_range".
VarianceType parse_variance_type(const std::string& text);

struct MeanVariance {
  at::Tensor mean, variance, log_variance, pred_xstart;
};

// q(x_{t-1} | x_t, x0): mean coef1 x0 + coef2 x_t, the posterior variance.
MeanVariance q_posterior(const Schedule& s, const at::Tensor& x0, const at::Tensor& x_t,
                         const at::Tensor& t);

// p(x_{t-1} | x_t) from the model output (B,3,...) or, for learned_range,
// (B,6,...) with eps first and the variance interpolation values second.
MeanVariance p_mean_variance(const Schedule& s, const at::Tensor& model_out, const at::Tensor& x_t,
                             const at::Tensor& t, VarianceType variance, bool clip_denoised);

// x_T = `noise` down to x_0, drawing fresh noise at each step but the last.
at::Tensor p_sample_loop(const Schedule& s, const Denoiser& denoise, const at::Tensor& noise,
                         VarianceType variance, bool clip_denoised, const JobContext& job = {},
                         const StepCallback& on_step = {});

} // namespace drig::diffusion
