#include "model/diffusion/gaussian_diffusion.h"

#include "model/base/error.h"
#include "model/random.h"

#include <torch/torch.h>

namespace drig::diffusion {

at::Tensor extract(const std::vector<double>& arr, const at::Tensor& t, const at::Tensor& like) {
  const at::Tensor table = torch::tensor(arr, torch::kDouble);
  const at::Tensor index = t.to(torch::kCPU, torch::kLong);
  DRIG_CHECK(index.numel() == 0 || (index.min().item<int64_t>() >= 0 &&
                                    index.max().item<int64_t>() < static_cast<int64_t>(arr.size())),
             "timestep outside the schedule of {} steps", arr.size());
  at::Tensor values = table.index_select(0, index.flatten()).to(torch::kFloat);
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = values.size(0);
  return values.view(shape).to(like.device());
}

at::Tensor q_sample(const Schedule& s, const at::Tensor& x0, const at::Tensor& t,
                    const at::Tensor& noise) {
  return extract(s.sqrt_alphas_cumprod, t, x0) * x0 +
         extract(s.sqrt_one_minus_alphas_cumprod, t, x0) * noise;
}

at::Tensor predict_xstart_from_eps(const Schedule& s, const at::Tensor& x_t, const at::Tensor& t,
                                   const at::Tensor& eps) {
  return extract(s.sqrt_recip_alphas_cumprod, t, x_t) * x_t -
         extract(s.sqrt_recipm1_alphas_cumprod, t, x_t) * eps;
}

at::Tensor model_timesteps(const Schedule& s, const at::Tensor& t) {
  const at::Tensor map = torch::tensor(s.timestep_map, torch::kLong);
  return map.index_select(0, t.to(torch::kCPU, torch::kLong).flatten()).to(t.device());
}

StepResult ddim_step(const Schedule& s, const at::Tensor& x_t, const at::Tensor& t,
                     const at::Tensor& eps, double eta, bool clip_denoised,
                     const at::Tensor& noise) {
  at::Tensor x0 = predict_xstart_from_eps(s, x_t, t, eps);
  if (clip_denoised)
    x0 = x0.clamp(-1, 1);
  // eps re-derived from the (clipped) x0, as the original does.
  const at::Tensor eps_used = (extract(s.sqrt_recip_alphas_cumprod, t, x_t) * x_t - x0) /
                              extract(s.sqrt_recipm1_alphas_cumprod, t, x_t);
  const at::Tensor alpha_bar = extract(s.alphas_cumprod, t, x_t);
  const at::Tensor alpha_bar_prev = extract(s.alphas_cumprod_prev, t, x_t);
  const at::Tensor sigma = eta * torch::sqrt((1 - alpha_bar_prev) / (1 - alpha_bar)) *
                           torch::sqrt(1 - alpha_bar / alpha_bar_prev);
  at::Tensor sample =
      x0 * torch::sqrt(alpha_bar_prev) + torch::sqrt(1 - alpha_bar_prev - sigma * sigma) * eps_used;
  if (eta != 0.0) {
    const at::Tensor z = noise.defined() ? noise : randn_like_scoped(x_t);
    std::vector<int64_t> shape(static_cast<size_t>(x_t.dim()), 1);
    shape[0] = x_t.size(0);
    const at::Tensor nonzero = (t != 0).to(x_t.scalar_type()).view(shape).to(x_t.device());
    sample = sample + nonzero * sigma * z;
  }
  return {sample, x0};
}

at::Tensor training_mse(const Schedule& s, const at::Tensor& noise, const at::Tensor& model_out,
                        const at::Tensor& t, bool p2, double p2_gamma, double p2_k) {
  DRIG_CHECK(noise.sizes() == model_out.sizes(), "model output shape differs from the target");
  at::Tensor error = (noise - model_out).pow(2);
  if (p2)
    error = extract(s.p2_weight(p2_gamma, p2_k), t, error) * error;
  std::vector<int64_t> dims;
  for (int64_t d = 1; d < error.dim(); ++d)
    dims.push_back(d);
  return error.mean(dims);
}

at::Tensor ddim_sample_loop(const Schedule& s, const Denoiser& denoise, const at::Tensor& noise,
                            double eta, bool clip_denoised, const JobContext& job,
                            const StepCallback& on_step) {
  ProgressReporter progress(job, "ddim", s.size());
  at::Tensor x = noise;
  for (int64_t i = s.size() - 1; i >= 0; --i) {
    progress.check_cancel();
    const at::Tensor t = torch::full({x.size(0)}, i, torch::TensorOptions().dtype(torch::kLong));
    const at::Tensor eps = denoise(x, model_timesteps(s, t).to(x.device()));
    const StepResult step = ddim_step(s, x, t, eps, eta, clip_denoised);
    x = step.sample;
    if (on_step)
      on_step(i, step.sample, step.pred_xstart);
    progress.advance();
  }
  return x;
}

} // namespace drig::diffusion
