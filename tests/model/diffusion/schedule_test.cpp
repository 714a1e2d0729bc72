// Schedules and respacing against the arrays the original code computed
// (../shared/reference/diffusion/tiny/schedule and respace).
#include "model/base/error.h"
#include "model/diffusion/schedule.h"
#include "model/formats/npy.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace drig::diffusion;

namespace {

fs::path tiny(const std::string& relative) {
  return drig::test::shared_dir() / "reference/diffusion/tiny" / relative;
}

at::Tensor as_tensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::kDouble);
}

at::Tensor load(const fs::path& path) {
  return drig::formats::load_npy(path).tensor;
}

} // namespace

TEST(Schedule, LinearScheduleAndEveryDerivedArrayMatchTheOriginal) {
  DRIG_REQUIRE_SHARED();
  const Schedule s = make_schedule("linear", 1000, "");
  const std::vector<std::pair<std::string, const std::vector<double>*>> arrays = {
      {"betas", &s.betas},
      {"alphas_cumprod", &s.alphas_cumprod},
      {"alphas_cumprod_prev", &s.alphas_cumprod_prev},
      {"alphas_cumprod_next", &s.alphas_cumprod_next},
      {"sqrt_alphas_cumprod", &s.sqrt_alphas_cumprod},
      {"sqrt_one_minus_alphas_cumprod", &s.sqrt_one_minus_alphas_cumprod},
      {"log_one_minus_alphas_cumprod", &s.log_one_minus_alphas_cumprod},
      {"sqrt_recip_alphas_cumprod", &s.sqrt_recip_alphas_cumprod},
      {"sqrt_recipm1_alphas_cumprod", &s.sqrt_recipm1_alphas_cumprod},
      {"posterior_variance", &s.posterior_variance},
      {"posterior_log_variance_clipped", &s.posterior_log_variance_clipped},
      {"posterior_mean_coef1", &s.posterior_mean_coef1},
      {"posterior_mean_coef2", &s.posterior_mean_coef2},
      {"snr", &s.snr},
  };
  for (const auto& [name, values] : arrays) {
    SCOPED_TRACE(name);
    // float64 as the original holds them: equal to the last bits or nearly.
    EXPECT_TENSOR_NEAR(as_tensor(*values), load(tiny("schedule/" + name + "_f64.npy")), 0.0, 1e-12);
    // and the float32 values the model sees after _extract_into_tensor.
    EXPECT_TRUE(torch::equal(as_tensor(*values).to(torch::kFloat),
                             load(tiny("schedule/" + name + ".npy"))));
  }
  EXPECT_TENSOR_NEAR(as_tensor(s.p2_weight()), load(tiny("schedule/p2_weight_f64.npy")), 0.0,
                     1e-12);
  EXPECT_TENSOR_NEAR(as_tensor(s.fixed_large_variance()),
                     load(tiny("schedule/fixed_large_variance_f64.npy")), 0.0, 1e-12);
}

TEST(Schedule, RespacingMatchesTheOriginalForEveryRecordedSpec) {
  DRIG_REQUIRE_SHARED();
  for (const char* spec : {"ddim10", "ddim20", "ddim50", "100", "250"}) {
    SCOPED_TRACE(spec);
    const Schedule s = make_schedule("linear", 1000, spec);
    const std::string dir = std::string("respace/") + spec + "/";
    const at::Tensor map = load(tiny(dir + "timestep_map.npy"));
    EXPECT_TRUE(torch::equal(torch::tensor(s.timestep_map, torch::kLong), map));
    EXPECT_TENSOR_NEAR(as_tensor(s.betas), load(tiny(dir + "betas_f64.npy")), 0.0, 1e-12);
    EXPECT_TENSOR_NEAR(as_tensor(s.alphas_cumprod), load(tiny(dir + "alphas_cumprod_f64.npy")), 0.0,
                       1e-12);
    EXPECT_TENSOR_NEAR(as_tensor(s.alphas_cumprod_prev),
                       load(tiny(dir + "alphas_cumprod_prev_f64.npy")), 0.0, 1e-12);
  }
}

TEST(Schedule, SpaceTimestepsFollowsTheOriginalRules) {
  const auto ddim20 = space_timesteps(1000, "ddim20");
  ASSERT_EQ(ddim20.size(), 20u);
  EXPECT_EQ(ddim20[1], 50);
  EXPECT_EQ(ddim20.back(), 950);
  const auto hundred = space_timesteps(1000, "100");
  ASSERT_EQ(hundred.size(), 100u);
  EXPECT_EQ((std::vector<int64_t>(hundred.begin(), hundred.begin() + 8)),
            (std::vector<int64_t>{0, 10, 20, 30, 40, 50, 61, 71}));
  EXPECT_EQ(hundred.back(), 999);
  const auto sections = space_timesteps(300, "10,15,20");
  EXPECT_EQ(sections.size(), 45u);
  EXPECT_EQ(sections.front(), 0);
  EXPECT_EQ(space_timesteps(7, "").size(), 7u);
  EXPECT_NE(
      drig::test::error_of([] { space_timesteps(1000, "ddim999"); }).find("exactly 999 steps"),
      std::string::npos);
  EXPECT_NE(drig::test::error_of([] { space_timesteps(10, "20"); }).find("cannot divide"),
            std::string::npos);
  EXPECT_NE(drig::test::error_of([] { space_timesteps(1000, "fast"); }).find("'fast'"),
            std::string::npos);
}

TEST(Schedule, CosineScheduleIsMonotoneAndCapped) {
  const auto betas = named_beta_schedule("cosine", 1000);
  ASSERT_EQ(betas.size(), 1000u);
  EXPECT_NEAR(betas[0],
              1.0 - std::pow(std::cos((0.001 + 0.008) / 1.008 * M_PI / 2), 2) /
                        std::pow(std::cos(0.008 / 1.008 * M_PI / 2), 2),
              1e-15);
  EXPECT_DOUBLE_EQ(betas.back(), 0.999);
  EXPECT_TRUE(std::is_sorted(betas.begin(), betas.end()));
  EXPECT_THROW(named_beta_schedule("quadratic", 10), drig::Error);
}
