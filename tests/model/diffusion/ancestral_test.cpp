// The ancestral sampler (the original's p_sample_loop) on known answers: an
// oracle denoiser that knows x0 must lead back to x0, and the posterior and
// variance choices follow their formulas.
#include "model/diffusion/ancestral.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace drig;
using namespace drig::diffusion;

namespace {

// eps that makes predict_xstart return exactly `x0` from any x_t.
Denoiser oracle(const Schedule& s, const at::Tensor& x0, bool learned) {
  return [&s, x0, learned](const at::Tensor& x_t, const at::Tensor& model_t) {
    // model_t holds original timesteps; find their spaced indices.
    std::vector<int64_t> index;
    for (int64_t i = 0; i < model_t.size(0); ++i) {
      const int64_t orig = model_t[i].item<int64_t>();
      index.push_back(std::find(s.timestep_map.begin(), s.timestep_map.end(), orig) -
                      s.timestep_map.begin());
    }
    const at::Tensor t = torch::tensor(index, torch::kLong);
    const at::Tensor eps = (extract(s.sqrt_recip_alphas_cumprod, t, x_t) * x_t - x0) /
                           extract(s.sqrt_recipm1_alphas_cumprod, t, x_t);
    return learned ? torch::cat({eps, torch::zeros_like(eps)}, 1) : eps;
  };
}

} // namespace

TEST(Ancestral, AnOracleDenoiserLeadsBackToX0ForEveryVarianceType) {
  torch::manual_seed(9);
  const Schedule s = make_schedule("linear", 1000, "50");
  const at::Tensor x0 = torch::rand({2, 3, 8, 8}) * 1.6 - 0.8;
  for (const char* name : {"fixed_large", "fixed_small", "learned_range"}) {
    const VarianceType v = parse_variance_type(name);
    int steps = 0;
    const at::Tensor out =
        p_sample_loop(s, oracle(s, x0, v == VarianceType::learned_range), torch::randn_like(x0), v,
                      true, {}, [&](int64_t, const at::Tensor&, const at::Tensor&) { ++steps; });
    EXPECT_EQ(steps, 50) << name;
    // At t = 0 the posterior mean is x0 itself (coef1 = 1, coef2 = 0), no noise added.
    EXPECT_TENSOR_NEAR(out, x0, 1e-4) << name;
  }
}

TEST(Ancestral, PosteriorAndVariancesFollowTheirFormulas) {
  const Schedule s = make_schedule("linear", 1000, "");
  torch::manual_seed(10);
  const at::Tensor x0 = torch::randn({1, 3, 2, 2}), x_t = torch::randn({1, 3, 2, 2});
  const int64_t i = 300;
  const at::Tensor t = torch::full({1}, i, torch::kLong);
  const double ab = s.alphas_cumprod[i], ab_prev = s.alphas_cumprod[i - 1], beta = s.betas[i];
  const MeanVariance q = q_posterior(s, x0, x_t, t);
  EXPECT_TENSOR_NEAR(q.mean,
                     (std::sqrt(ab_prev) * beta / (1 - ab)) * x0 +
                         (std::sqrt(1 - beta) * (1 - ab_prev) / (1 - ab)) * x_t,
                     1e-5);
  EXPECT_NEAR(q.variance.item<double>(), beta * (1 - ab_prev) / (1 - ab), 1e-9);

  const at::Tensor eps = torch::randn({1, 3, 2, 2});
  const MeanVariance large = p_mean_variance(s, eps, x_t, t, VarianceType::fixed_large, false);
  EXPECT_NEAR(large.variance[0][0][0][0].item<double>(), beta, 1e-9);
  const MeanVariance small = p_mean_variance(s, eps, x_t, t, VarianceType::fixed_small, false);
  EXPECT_NEAR(small.variance[0][0][0][0].item<double>(), beta * (1 - ab_prev) / (1 - ab), 1e-9);
  // FIXED_LARGE at t = 0 uses posterior_variance[1] (beta_0 would be too small).
  const MeanVariance first = p_mean_variance(s, eps, x_t, torch::zeros({1}, torch::kLong),
                                             VarianceType::fixed_large, false);
  EXPECT_NEAR(first.variance[0][0][0][0].item<double>(), s.posterior_variance[1], 1e-9);
  // learned_range: v = +1 gives log(beta), v = -1 the clipped posterior log-variance.
  const at::Tensor up = torch::cat({eps, torch::ones_like(eps)}, 1);
  const at::Tensor down = torch::cat({eps, -torch::ones_like(eps)}, 1);
  EXPECT_NEAR(p_mean_variance(s, up, x_t, t, VarianceType::learned_range, false)
                  .log_variance[0][0][0][0]
                  .item<double>(),
              std::log(beta), 1e-6);
  EXPECT_NEAR(p_mean_variance(s, down, x_t, t, VarianceType::learned_range, false)
                  .log_variance[0][0][0][0]
                  .item<double>(),
              s.posterior_log_variance_clipped[i], 1e-6);
  EXPECT_NE(test::error_of([&] {
              p_mean_variance(s, eps, x_t, t, VarianceType::learned_range, false);
            }).find("learned_range needs 6 output channels"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_variance_type("large"); }).find("unknown variance type"),
            std::string::npos);
}
