#pragma once

// The noise schedule of Gaussian diffusion and its respacing, as the original
// code computes them: float64 arrays, cast to float32 only when indexed.
// Kept apart from the networks (stable-diffusion.cpp's denoiser/sampler split).
#include <cstdint>
#include <string>
#include <vector>

namespace drig::diffusion {

// "linear" (scaled to the step count) or "cosine"; throws Error otherwise.
std::vector<double> named_beta_schedule(const std::string& name, int64_t steps);

// The original's space_timesteps: "ddimN" (every k-th step for the k that
// gives exactly N) or a comma list of step counts per equal section ("100",
// "10,15,20"); "" keeps every step. Sorted ascending. Throws Error naming the
// spec when it cannot be met.
std::vector<int64_t> space_timesteps(int64_t steps, const std::string& spec);

struct Schedule {
  std::vector<double> betas;
  std::vector<double> alphas_cumprod, alphas_cumprod_prev, alphas_cumprod_next;
  std::vector<double> sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod;
  std::vector<double> log_one_minus_alphas_cumprod;
  std::vector<double> sqrt_recip_alphas_cumprod, sqrt_recipm1_alphas_cumprod;
  std::vector<double> posterior_variance, posterior_log_variance_clipped;
  std::vector<double> posterior_mean_coef1, posterior_mean_coef2;
  std::vector<double> snr;
  // Original timestep of each (possibly respaced) step: what the model sees.
  std::vector<int64_t> timestep_map;

  static Schedule from_betas(std::vector<double> betas);
  // SpacedDiffusion: keeps `use_timesteps` of this schedule and rebuilds
  // every array from the betas implied by the kept alphas_cumprod.
  Schedule respaced(const std::vector<int64_t>& use_timesteps) const;
  int64_t size() const { return static_cast<int64_t>(betas.size()); }

  // The P2 weight 1 / (k + snr_t)^gamma of the paper's loss.
  std::vector<double> p2_weight(double gamma = 1.0, double k = 1.0) const;
  // FIXED_LARGE variance: append(posterior_variance[1], betas[1:]).
  std::vector<double> fixed_large_variance() const;
};

// The schedule a DiffusionRig model samples with: `steps` (1000) of `noise`
// ("linear") respaced by `respacing` ("ddim20", "" for all).
Schedule make_schedule(const std::string& noise, int64_t steps, const std::string& respacing);

} // namespace drig::diffusion
