// DPM-Solver++ against cases whose answer is known: Gaussian data, whose
// probability-flow ODE has a closed-form solution, and DDIM, which the
// first-order solver must reproduce.
#include "model/base/error.h"
#include "model/diffusion/ode_solver.h"
#include "model/diffusion/schedule.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

using namespace drig::diffusion;

namespace {

const Schedule& base() {
  static const Schedule s = make_schedule("linear", 1000, "");
  return s;
}

// Data x_0 ~ N(mu, s^2) per element: the ideal denoiser is linear in x_t and
// z = (x_t - alpha mu) / sqrt(alpha^2 s^2 + sigma^2) is constant along the ODE.
struct GaussianData {
  at::Tensor mu, s;

  double alpha(int64_t t) const { return std::sqrt(base().alphas_cumprod[size_t(t)]); }
  double sigma(int64_t t) const { return std::sqrt(1 - base().alphas_cumprod[size_t(t)]); }
  at::Tensor spread(int64_t t) const {
    return torch::sqrt(alpha(t) * alpha(t) * s * s + sigma(t) * sigma(t));
  }
  Denoiser eps() const {
    return [this](const at::Tensor& x, const at::Tensor& model_t) {
      const int64_t t = model_t[0].item<int64_t>();
      const at::Tensor x0 = mu + alpha(t) * s * s / spread(t).pow(2) * (x - alpha(t) * mu);
      return (x - alpha(t) * x0) / sigma(t);
    };
  }
  // The exact result: x_0 predicted at timestep 0 on the ODE's trajectory.
  at::Tensor solution(const at::Tensor& x_T) const {
    const at::Tensor z = (x_T - alpha(999) * mu) / spread(999);
    return mu + alpha(0) * s * s * z / spread(0);
  }
};

GaussianData gaussian() {
  torch::manual_seed(3);
  const auto f64 = torch::TensorOptions().dtype(torch::kDouble);
  return {torch::rand({2, 3, 8, 8}, f64) * 0.8 - 0.4, torch::rand({2, 3, 8, 8}, f64) * 0.3 + 0.05};
}

double solver_error(const GaussianData& data, const at::Tensor& x_T, int order, int64_t steps,
                    bool corrector = false) {
  const auto ts = solver_timesteps(base().alphas_cumprod, steps, StepPlacement::logsnr);
  const at::Tensor out = dpm_solver_loop(base().alphas_cumprod, ts, order, data.eps(), x_T,
                                         /*clip=*/false, {}, {}, corrector);
  return (out - data.solution(x_T)).abs().max().item<double>();
}

} // namespace

TEST(OdeSolver, TimestepsFallFromTheLastStepToZeroWithoutRepeats) {
  for (const auto placement : {StepPlacement::logsnr, StepPlacement::uniform_t})
    for (const int64_t n : {2, 4, 15, 20, 100, 1000}) {
      const auto ts = solver_timesteps(base().alphas_cumprod, n, placement);
      ASSERT_EQ(int64_t(ts.size()), n);
      EXPECT_EQ(ts.front(), 999);
      EXPECT_EQ(ts.back(), 0);
      for (size_t i = 1; i < ts.size(); ++i)
        ASSERT_LT(ts[i], ts[i - 1]) << to_string(placement) << " " << n << " at " << i;
    }
  // Uniform in log-SNR crowds the steps at the clean end: the last gap of 20
  // log-SNR steps is a few timesteps, the first hundreds.
  const auto ts = solver_timesteps(base().alphas_cumprod, 20, StepPlacement::logsnr);
  EXPECT_LT(ts[18] - ts[19], 5);
  EXPECT_GT(ts[0] - ts[1], 50);
  EXPECT_EQ(solver_timesteps(base().alphas_cumprod, 5, StepPlacement::uniform_t),
            (std::vector<int64_t>{999, 749, 500, 250, 0}));
  EXPECT_NE(drig::test::error_of([] {
              solver_timesteps(base().alphas_cumprod, 0, StepPlacement::logsnr);
            }).find("1..1000"),
            std::string::npos);
  EXPECT_NE(drig::test::error_of([] { parse_sampler("euler"); }).find("ddim, dpmpp2m"),
            std::string::npos);
}

TEST(OdeSolver, FirstOrderIsDdimOnTheSameTimesteps) {
  // Any smooth nonlinear eps model: both loops must take the same path.
  const Denoiser eps = [](const at::Tensor& x, const at::Tensor& t) {
    return torch::tanh(1.3 * x + t.to(torch::kFloat).view({-1, 1, 1, 1}) / 700.0);
  };
  const Schedule ddim = make_schedule("linear", 1000, "ddim20");
  std::vector<int64_t> ts(ddim.timestep_map.rbegin(), ddim.timestep_map.rend());
  torch::manual_seed(4);
  const at::Tensor x_T = torch::randn({2, 3, 16, 16});
  for (const bool clip : {false, true}) {
    const at::Tensor expected = ddim_sample_loop(ddim, eps, x_T, 0.0, clip);
    const at::Tensor got = dpm_solver_loop(base().alphas_cumprod, ts, 1, eps, x_T, clip);
    EXPECT_TENSOR_NEAR(got, expected, 2e-5, 2e-6); // the same float32 math, reordered
  }
}

TEST(OdeSolver, GaussianDataIsSolvedAndTheErrorFallsAtTheSolversOrder) {
  const GaussianData data = gaussian();
  torch::manual_seed(5);
  const at::Tensor x_T = torch::randn({2, 3, 8, 8}, torch::kDouble);
  // Doubling the steps divides the error by about 2^order.
  const double ddim20 = solver_error(data, x_T, 1, 20), ddim40 = solver_error(data, x_T, 1, 40);
  const double m2_20 = solver_error(data, x_T, 2, 20), m2_40 = solver_error(data, x_T, 2, 40);
  const double m3_20 = solver_error(data, x_T, 3, 20), m3_40 = solver_error(data, x_T, 3, 40);
  std::printf("max error at 20 / 40 steps: ddim %.3g / %.3g, 2M %.3g / %.3g, 3M %.3g / %.3g\n",
              ddim20, ddim40, m2_20, m2_40, m3_20, m3_40);
  EXPECT_GT(ddim20 / ddim40, 1.6);
  EXPECT_LT(ddim20 / ddim40, 2.6);
  EXPECT_GT(m2_20 / m2_40, 3.2);
  EXPECT_GT(m3_20 / m3_40, 3.2);
  EXPECT_LT(m2_20, ddim20 / 4);
  EXPECT_LT(m3_20, m2_20);
  // Every timestep of the grid: as close as the grid allows (its log-SNR
  // steps near t = 0 stay large, 0.35 from t = 1 to t = 0).
  EXPECT_LT(solver_error(data, x_T, 2, 1000), 1e-3);
  // And 15 second-order steps beat the original's 20 first-order ones.
  EXPECT_LT(solver_error(data, x_T, 2, 15), ddim20);
}

TEST(OdeSolver, UniPcsCorrectorAddsAnOrderWithoutAnotherEvaluation) {
  const GaussianData data = gaussian();
  torch::manual_seed(5);
  const at::Tensor x_T = torch::randn({2, 3, 8, 8}, torch::kDouble);
  const double m2_20 = solver_error(data, x_T, 2, 20), m2_40 = solver_error(data, x_T, 2, 40);
  const double u_20 = solver_error(data, x_T, 2, 20, true);
  const double u_40 = solver_error(data, x_T, 2, 40, true);
  const double u1_20 = solver_error(data, x_T, 1, 20, true);
  std::printf("max error at 20 / 40 steps: 2M %.3g / %.3g, UniPC-2 %.3g / %.3g, UniPC-1 %.3g\n",
              m2_20, m2_40, u_20, u_40, u1_20);
  // The same predictor, corrected: closer, and third order: doubling the
  // steps divides the error by about 8 (measured 8.8; 2M's by 4.0).
  EXPECT_LT(u_20, m2_20 * 0.8);
  EXPECT_GT(u_20 / u_40, 6.0);
  // A first-order predictor with the corrector is second order: DDIM's
  // error at least halves.
  EXPECT_LT(u1_20, solver_error(data, x_T, 1, 20) / 2);
  int calls = 0;
  const Denoiser counting = [&](const at::Tensor& x, const at::Tensor& t) {
    ++calls;
    return data.eps()(x, t);
  };
  const auto ts = solver_timesteps(base().alphas_cumprod, 12, StepPlacement::logsnr);
  dpm_solver_loop(base().alphas_cumprod, ts, 2, counting, x_T, true, {}, {}, true);
  EXPECT_EQ(calls, 12);
  EXPECT_NE(drig::test::error_of([&] {
              dpm_solver_loop(base().alphas_cumprod, ts, 3, counting, x_T, true, {}, {}, true);
            }).find("order 1 or 2"),
            std::string::npos);
}

TEST(OdeSolver, TheSameNoiseGivesTheSameImageAndCancelStopsWithinOneStep) {
  const GaussianData data = gaussian();
  torch::manual_seed(6);
  const at::Tensor x_T = torch::randn({2, 3, 8, 8}, torch::kDouble);
  const auto ts = solver_timesteps(base().alphas_cumprod, 10, StepPlacement::logsnr);
  const at::Tensor a = dpm_solver_loop(base().alphas_cumprod, ts, 2, data.eps(), x_T, true);
  const at::Tensor b = dpm_solver_loop(base().alphas_cumprod, ts, 2, data.eps(), x_T, true);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_LE(a.abs().max().item<double>(), 1.0); // clip_denoised: the result is a clipped x_0

  drig::JobContext job;
  int calls = 0;
  const Denoiser counting = [&](const at::Tensor& x, const at::Tensor& t) {
    ++calls;
    return data.eps()(x, t);
  };
  const StepCallback cancel_at_third = [&](int64_t left, const at::Tensor&, const at::Tensor&) {
    if (left == 7)
      job.cancel.cancel();
  };
  EXPECT_THROW(
      dpm_solver_loop(base().alphas_cumprod, ts, 2, counting, x_T, true, job, cancel_at_third),
      drig::CancelledError);
  EXPECT_EQ(calls, 3);
}

TEST(OdeSolver, ClampingTheDataTermMakesNoStepWorseAndTheStepAfterAJumpExact) {
  // A model whose clipped x_0 jumps from -1 to +1 at timestep 600. On each
  // side x_0 is constant, so the exact ODE has a closed form and its data
  // term over any step lies in [-1, 1]; the step after the jump extrapolates
  // it (2M: D = 1 + 1 / r, about 2) unless the data term is clamped.
  const auto& ac = base().alphas_cumprod;
  const auto alpha = [&](int64_t t) { return std::sqrt(ac[size_t(t)]); };
  const auto sigma = [&](int64_t t) { return std::sqrt(1 - ac[size_t(t)]); };
  const auto target = [](int64_t t) { return t > 600 ? -1.0 : 1.0; };
  const Denoiser eps = [&](const at::Tensor& x, const at::Tensor& model_t) {
    const int64_t t = model_t[0].item<int64_t>();
    return (x - alpha(t) * 3 * target(t)) / sigma(t); // x_0 = +-3 before the clip
  };
  // x_t = sigma_t (x_T / sigma_T + integral(t)), the integral of e^lambda
  // x_0 over lambda from timestep 999 (e^lambda = alpha / sigma).
  const auto e = [&](int64_t t) { return alpha(t) / sigma(t); };
  const auto integral = [&](int64_t t) {
    return t > 600 ? -(e(t) - e(999)) : -(e(600) - e(999)) + (e(t) - e(600));
  };
  const auto exact_step = [&](const at::Tensor& x, int64_t t, int64_t s) {
    return sigma(s) * (x / sigma(t) + (integral(s) - integral(t)));
  };
  torch::manual_seed(7);
  const at::Tensor x_T = torch::randn({1, 3, 8, 8}, torch::kDouble);
  const auto ts = solver_timesteps(ac, 15, StepPlacement::quadratic_t);
  const size_t after_jump =
      size_t(std::find_if(ts.begin(), ts.end(), [](int64_t t) { return t <= 600; }) - ts.begin());
  for (const int order : {2, 3}) {
    // The error each step adds, from the state it started at.
    const auto step_errors = [&] {
      std::vector<double> errors;
      at::Tensor from = x_T;
      const StepCallback track = [&](int64_t left, const at::Tensor& x, const at::Tensor&) {
        if (left == 0)
          return; // the last call hands over x_0, not a state
        const size_t k = errors.size();
        errors.push_back((x - exact_step(from, ts[k], ts[k + 1])).abs().max().item<double>());
        from = x;
      };
      dpm_solver_loop(ac, ts, order, eps, x_T, true, {}, track);
      return errors;
    };
    const std::vector<double> clamped = step_errors();
    ::setenv("DRIG_SOLVER_CLAMP_MEAN", "0", 1);
    const std::vector<double> free = step_errors();
    ::unsetenv("DRIG_SOLVER_CLAMP_MEAN");
    ASSERT_EQ(clamped.size(), ts.size() - 1);
    for (size_t k = 0; k < clamped.size(); ++k)
      // (1e-6: the coefficients are float32, as in the original.)
      EXPECT_LE(clamped[k], free[k] + 1e-6) << "order " << order << ", step " << k;
    std::printf("order %d, the step from timestep %lld: error %.3g with the clamp, %.3g without\n",
                order, static_cast<long long>(ts[after_jump]), clamped[after_jump],
                free[after_jump]);
    EXPECT_LT(clamped[after_jump], 1e-6) << order;
    EXPECT_GT(free[after_jump], 0.01) << order;
  }
}
