#include "model/diffusion/ancestral.h"

#include "model/base/error.h"
#include "model/random.h"

#include <torch/torch.h>

#include <cmath>

namespace drig::diffusion {
namespace {

std::vector<double> log_of(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = std::log(v[i]);
  return out;
}

} // namespace

VarianceType parse_variance_type(const std::string& text) {
  if (text == "fixed_large")
    return VarianceType::fixed_large;
  if (text == "fixed_small")
    return VarianceType::fixed_small;
  if (text == "learned_range")
    return VarianceType::learned_range;
  fail("unknown variance type \"{}\" (fixed_large, fixed_small, learned_range)", text);
}

MeanVariance q_posterior(const Schedule& s, const at::Tensor& x0, const at::Tensor& x_t,
                         const at::Tensor& t) {
  MeanVariance out;
  out.mean =
      extract(s.posterior_mean_coef1, t, x_t) * x0 + extract(s.posterior_mean_coef2, t, x_t) * x_t;
  out.variance = extract(s.posterior_variance, t, x_t);
  out.log_variance = extract(s.posterior_log_variance_clipped, t, x_t);
  out.pred_xstart = x0;
  return out;
}

MeanVariance p_mean_variance(const Schedule& s, const at::Tensor& model_out, const at::Tensor& x_t,
                             const at::Tensor& t, VarianceType variance, bool clip_denoised) {
  const int64_t c = x_t.size(1);
  at::Tensor eps = model_out;
  at::Tensor log_variance;
  if (variance == VarianceType::learned_range) {
    DRIG_CHECK(model_out.size(1) == 2 * c,
               "learned_range needs {} output channels (eps and variance), the model gives {}",
               2 * c, model_out.size(1));
    eps = model_out.narrow(1, 0, c);
    // Interpolates log-variance between the posterior's and beta's.
    const at::Tensor frac = (model_out.narrow(1, c, c) + 1) / 2;
    const at::Tensor min_log = extract(s.posterior_log_variance_clipped, t, x_t);
    const at::Tensor max_log = extract(log_of(s.betas), t, x_t);
    log_variance = frac * max_log + (1 - frac) * min_log;
  } else {
    DRIG_CHECK(model_out.size(1) == c, "the model gives {} channels, x_t has {}", model_out.size(1),
               c);
    const std::vector<double> large = s.fixed_large_variance();
    log_variance = variance == VarianceType::fixed_large
                       ? extract(log_of(large), t, x_t).expand_as(x_t)
                       : extract(s.posterior_log_variance_clipped, t, x_t).expand_as(x_t);
  }
  at::Tensor x0 = predict_xstart_from_eps(s, x_t, t, eps);
  if (clip_denoised)
    x0 = x0.clamp(-1, 1);
  MeanVariance out = q_posterior(s, x0, x_t, t);
  out.log_variance = log_variance;
  out.variance = torch::exp(log_variance);
  return out;
}

at::Tensor p_sample_loop(const Schedule& s, const Denoiser& denoise, const at::Tensor& noise,
                         VarianceType variance, bool clip_denoised, const JobContext& job,
                         const StepCallback& on_step) {
  ProgressReporter progress(job, "ddpm", s.size());
  at::Tensor x = noise;
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  for (int64_t i = s.size() - 1; i >= 0; --i) {
    progress.check_cancel();
    const at::Tensor t = torch::full({x.size(0)}, i, torch::TensorOptions().dtype(torch::kLong));
    const at::Tensor out = denoise(x, model_timesteps(s, t).to(x.device()));
    const MeanVariance mv = p_mean_variance(s, out, x, t, variance, clip_denoised);
    const at::Tensor z = randn_like_scoped(x);
    x = i > 0 ? mv.mean + torch::exp(0.5 * mv.log_variance) * z : mv.mean;
    if (on_step)
      on_step(i, x, mv.pred_xstart);
    progress.advance();
  }
  return x;
}

} // namespace drig::diffusion
