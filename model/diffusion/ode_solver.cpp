#include "model/diffusion/ode_solver.h"

#include "model/base/error.h"
#include "model/base/paths.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <deque>

namespace drig::diffusion {

SamplerKind parse_sampler(const std::string& name) {
  for (SamplerKind k :
       {SamplerKind::ddim, SamplerKind::dpmpp2m, SamplerKind::dpmpp3m, SamplerKind::unipc})
    if (to_string(k) == name)
      return k;
  fail("unknown sampler \"{}\" (use ddim, dpmpp2m, dpmpp3m or unipc)", name);
}

std::string to_string(SamplerKind kind) {
  switch (kind) {
  case SamplerKind::dpmpp2m:
    return "dpmpp2m";
  case SamplerKind::dpmpp3m:
    return "dpmpp3m";
  case SamplerKind::unipc:
    return "unipc";
  default:
    return "ddim";
  }
}

StepPlacement parse_placement(const std::string& name) {
  if (name == "logsnr")
    return StepPlacement::logsnr;
  if (name == "uniform")
    return StepPlacement::uniform_t;
  if (name == "quadratic")
    return StepPlacement::quadratic_t;
  fail("unknown step placement \"{}\" (use logsnr, quadratic or uniform)", name);
}

std::string to_string(StepPlacement placement) {
  switch (placement) {
  case StepPlacement::logsnr:
    return "logsnr";
  case StepPlacement::quadratic_t:
    return "quadratic";
  default:
    return "uniform";
  }
}

namespace {

double log_snr(double alpha_bar) {
  return 0.5 * (std::log(alpha_bar) - std::log1p(-alpha_bar));
}

// Timestep whose log-SNR is nearest to `lambda` (log-SNR falls with t).
int64_t timestep_at(const std::vector<double>& lambdas, double lambda) {
  const auto it = std::lower_bound(lambdas.begin(), lambdas.end(), lambda,
                                   [](double have, double want) { return have > want; });
  if (it == lambdas.begin())
    return 0;
  if (it == lambdas.end())
    return static_cast<int64_t>(lambdas.size()) - 1;
  const int64_t hi = it - lambdas.begin();
  return std::abs(lambdas[hi] - lambda) < std::abs(lambdas[hi - 1] - lambda) ? hi : hi - 1;
}

// UniPC's corrector (B(h) = expm1(-h)) for the state at t reached from
// x_prev by a predictor step of order `use`: the model output x0 at the
// predicted state joins the ones before it in one higher-order estimate of
// the data term over that step (x_t = sigma_ratio x_prev - alpha_t B(h) D).
at::Tensor unipc_data_term(const at::Tensor& x0, const std::deque<at::Tensor>& old_x0,
                           const std::deque<double>& old_h, int use) {
  const double h = old_h[0];
  const at::Tensor d1_t = x0 - old_x0[0];
  if (use < 2 || old_x0.size() < 2)
    return old_x0[0] + 0.5f * d1_t;
  // Solve [[1, 1], [rk, 1]] rho = b for the weights of the two differences,
  // b_k = k! phi_{k+1}(-h) / B(h) in UniPC's recursion.
  const double b_h = std::expm1(-h);
  const double rk = -old_h[1] / h;
  const double hh = -h;
  double phi_k = b_h / hh - 1;
  const double b1 = phi_k / b_h;
  phi_k = phi_k / hh - 0.5;
  const double b2 = phi_k * 2 / b_h;
  const double rho0 = (b1 - b2) / (1 - rk), rho1 = b1 - rho0;
  const at::Tensor d1 = (old_x0[1] - old_x0[0]) / float(rk);
  return old_x0[0] + float(rho0) * d1 + float(rho1) * d1_t;
}

} // namespace

std::vector<int64_t> solver_timesteps(const std::vector<double>& alphas_cumprod, int64_t steps,
                                      StepPlacement placement) {
  const int64_t grid = static_cast<int64_t>(alphas_cumprod.size());
  DRIG_CHECK(steps >= 1 && steps <= grid, "the step count must be 1..{}, got {}", grid, steps);
  std::vector<int64_t> ts(static_cast<size_t>(steps), grid - 1);
  if (steps == 1)
    return ts;
  std::vector<double> lambdas(alphas_cumprod.size());
  std::transform(alphas_cumprod.begin(), alphas_cumprod.end(), lambdas.begin(), log_snr);
  for (int64_t i = 0; i < steps; ++i) {
    const double f = double(i) / double(steps - 1);
    switch (placement) {
    case StepPlacement::uniform_t:
      ts[i] = std::llround(double(grid - 1) * (1.0 - f));
      break;
    case StepPlacement::quadratic_t:
      ts[i] = std::llround(double(grid - 1) * (1.0 - f) * (1.0 - f));
      break;
    case StepPlacement::logsnr:
      ts[i] = timestep_at(lambdas, lambdas.back() + f * (lambdas.front() - lambdas.back()));
      break;
    }
  }
  // Rounding can merge neighbours where the grid is coarse in log-SNR: keep
  // them distinct, from grid - 1 down to 0. Step i has room for the i steps
  // above it and the steps - 1 - i below it; within those bounds, falling
  // by at least one each step keeps every later one above its lower bound.
  for (int64_t i = 0; i < steps; ++i)
    ts[i] = std::clamp(ts[i], steps - 1 - i, grid - 1 - i);
  ts.front() = grid - 1;
  for (size_t i = 1; i < ts.size(); ++i)
    ts[i] = std::min(ts[i], ts[i - 1] - 1);
  return ts;
}

at::Tensor dpm_solver_loop(const std::vector<double>& alphas_cumprod,
                           const std::vector<int64_t>& timesteps, int order,
                           const Denoiser& denoise, const at::Tensor& noise, bool clip_denoised,
                           const JobContext& job, const StepCallback& on_step, bool corrector) {
  DRIG_CHECK(order >= 1 && order <= 3, "solver order must be 1, 2 or 3, got {}", order);
  DRIG_CHECK(!corrector || order <= 2, "the corrector follows predictors of order 1 or 2");
  DRIG_CHECK(!timesteps.empty(), "no timesteps to sample");
  const int64_t n = static_cast<int64_t>(timesteps.size());
  const auto alpha = [&](int64_t t) { return std::sqrt(alphas_cumprod.at(size_t(t))); };
  const auto sigma = [&](int64_t t) { return std::sqrt(1.0 - alphas_cumprod.at(size_t(t))); };
  const auto lambda = [&](int64_t t) { return log_snr(alphas_cumprod.at(size_t(t))); };
  ProgressReporter progress(job, "sample", n);
  at::Tensor x = noise;
  std::deque<at::Tensor> old_x0; // newest first
  std::deque<double> old_h;      // the step sizes that led to each of them
  at::Tensor x_prev;             // the state the last step started from
  int last_use = 1;              // the order that step used
  // With clip_denoised every x_0 of the converged ODE lies in [-1, 1], so
  // the mean D does too: an extrapolated D outside it is overshoot, and
  // clamping it can only bring it closer to the exact one, per pixel.
  // DRIG_SOLVER_CLAMP_MEAN=0 leaves it unclamped (benchmarks).
  const bool clamp_mean = env_switch_on("DRIG_SOLVER_CLAMP_MEAN");
  const auto bounded = [&](const at::Tensor& d) {
    return clip_denoised && clamp_mean ? d.clamp(-1, 1) : d;
  };
  for (int64_t i = 0; i < n; ++i) {
    progress.check_cancel();
    const int64_t t = timesteps[size_t(i)];
    const at::Tensor model_t =
        torch::full({x.size(0)}, t, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
    const at::Tensor eps = denoise(x, model_t);
    // The original's predict_xstart_from_eps, coefficients cast to float32.
    at::Tensor x0 = float(1.0 / alpha(t)) * x - float(sigma(t) / alpha(t)) * eps;
    if (clip_denoised)
      x0 = x0.clamp(-1, 1);
    if (corrector && i > 0 && i + 1 < n) {
      const double h = old_h[0];
      x = float(sigma(t) / sigma(timesteps[i - 1])) * x_prev -
          float(alpha(t) * std::expm1(-h)) * bounded(unipc_data_term(x0, old_x0, old_h, last_use));
    }
    if (i + 1 == n) {
      x = x0;
    } else {
      const int64_t s = timesteps[size_t(i + 1)];
      DRIG_CHECK(s < t, "timesteps must fall: {} then {}", t, s);
      const double h = lambda(s) - lambda(t);
      const double phi1 = std::expm1(-h); // < 0
      // The step is x_s = sigma_s / sigma_t x_t - alpha_s phi1 D, where the
      // exact D is a positively weighted mean of x_0 over the step; each
      // order estimates it from the latest x_0 predictions.
      // The last step is first order (Lu et al.'s lower_order_final): the
      // extrapolation overshoots over its long stretch to t = 0 (measured:
      // +3 to +5 dB with uniform steps, no loss elsewhere; issue 23).
      const int use = i + 2 == n ? 1 : std::min<int>(order, int(old_x0.size()) + 1);
      at::Tensor data = x0;
      if (use == 2 && order == 2) {
        // Lu et al.'s 2M: D = x0 + (x0 - x0_prev) / (2 r), r = h_prev / h.
        const double r = old_h[0] / h;
        data = x0 + float(1 / (2 * r)) * (x0 - old_x0[0]);
      } else if (use >= 2) {
        // Exponential-integrator coefficients (phi_2, phi_3) of the 3M form.
        const double phi2 = phi1 / h + 1, phi3 = phi2 / h - 0.5;
        const double r0 = old_h[0] / h;
        const at::Tensor d1_0 = (x0 - old_x0[0]) / float(r0);
        if (use == 2) {
          data = x0 - float(phi2 / phi1) * d1_0;
        } else {
          const double r1 = old_h[1] / h;
          const at::Tensor d1_1 = (old_x0[0] - old_x0[1]) / float(r1);
          const at::Tensor d1 = d1_0 + (d1_0 - d1_1) * float(r0 / (r0 + r1));
          const at::Tensor d2 = (d1_0 - d1_1) / float(r0 + r1);
          data = x0 - float(phi2 / phi1) * d1 + float(phi3 / phi1) * d2;
        }
      }
      const at::Tensor next = float(sigma(s) / sigma(t)) * x -
                              float(alpha(s) * phi1) * (use > 1 ? bounded(data) : data);
      x_prev = x;
      last_use = use;
      x = next;
      old_x0.push_front(x0);
      old_h.push_front(h);
      if (int(old_x0.size()) >= std::max(order, corrector ? 3 : 1)) {
        old_x0.pop_back();
        old_h.pop_back();
      }
    }
    if (on_step)
      on_step(n - 1 - i, x, x0);
    progress.advance();
  }
  return x;
}

} // namespace drig::diffusion
