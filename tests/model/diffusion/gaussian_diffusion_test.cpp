// Diffusion math against the original's recorded tensors (tiny/ddim, tiny/loss):
// everything that does not need the UNet, fed with the UNet outputs it recorded.
#include "model/base/error.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/formats/npy.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace drig::diffusion;

namespace {

at::Tensor load(const std::string& relative) {
  return drig::formats::load_npy(drig::test::shared_dir() / "reference/diffusion/tiny" / relative)
      .tensor;
}

// fp32 tolerance of the issue: max abs error <= 1e-4 (these are far tighter in practice).
constexpr double kTol = 1e-5;

} // namespace

TEST(GaussianDiffusion, QSampleAndTrainingLossesMatchWithAndWithoutP2) {
  DRIG_REQUIRE_SHARED();
  const Schedule s = make_schedule("linear", 1000, "");
  const at::Tensor image = load("loss/image.npy"), noise = load("loss/noise.npy");
  const at::Tensor t = load("loss/t.npy");
  EXPECT_TENSOR_NEAR(q_sample(s, image, t, noise), load("loss/x_t.npy"), kTol);
  for (const bool p2 : {false, true}) {
    SCOPED_TRACE(p2 ? "p2" : "no p2");
    const std::string prefix = p2 ? "loss/p2_" : "loss/nop2_";
    const at::Tensor mse = training_mse(s, noise, load(prefix + "model_out.npy"), t, p2);
    EXPECT_TENSOR_NEAR(mse, load(prefix + "mse.npy"), kTol, 1e-6);
    EXPECT_TENSOR_NEAR(mse.mean(), load(prefix + "loss.npy"), kTol, 1e-6);
  }
}

TEST(GaussianDiffusion, OneDdimStepFromTheRecordedEps) {
  DRIG_REQUIRE_SHARED();
  const Schedule s = make_schedule("linear", 1000, "ddim10");
  EXPECT_TRUE(
      torch::equal(torch::tensor(s.timestep_map, torch::kLong), load("ddim/timestep_map.npy")));
  const at::Tensor t = load("ddim/step_t.npy");
  EXPECT_TRUE(torch::equal(model_timesteps(s, t), load("ddim/step_model_t.npy")));
  const StepResult step =
      ddim_step(s, load("ddim/noise.npy"), t, load("ddim/step_eps.npy"), 0.0, true);
  EXPECT_TENSOR_NEAR(step.pred_xstart, load("ddim/step_pred_xstart.npy"), kTol);
  EXPECT_TENSOR_NEAR(step.sample, load("ddim/step_sample.npy"), kTol);
}

TEST(GaussianDiffusion, TheLoopReplaysTheRecordedTenStepRun) {
  DRIG_REQUIRE_SHARED();
  // The recorded pred_xstart of each step stands in for the UNet: the eps
  // that yields it is fed back, so the loop's own arithmetic must reproduce
  // every recorded sample and the final output.
  const Schedule s = make_schedule("linear", 1000, "ddim10");
  const at::Tensor preds = load("ddim/run_pred_xstart.npy");
  const at::Tensor samples = load("ddim/run_samples.npy");
  int64_t call = 0;
  const Denoiser replay = [&](const at::Tensor& x_t, const at::Tensor&) {
    const int64_t i = s.size() - 1 - call;
    const at::Tensor t = torch::full({x_t.size(0)}, i, torch::kLong);
    const at::Tensor x0 = preds[call++];
    return (extract(s.sqrt_recip_alphas_cumprod, t, x_t) * x_t - x0) /
           extract(s.sqrt_recipm1_alphas_cumprod, t, x_t);
  };
  std::vector<int64_t> order;
  drig::JobContext job;
  int64_t reported = 0;
  job.on_progress = [&](const drig::ProgressUpdate& u) { reported = u.done; };
  const at::Tensor out =
      ddim_sample_loop(s, replay, load("ddim/noise.npy"), 0.0, true, job,
                       [&](int64_t i, const at::Tensor& sample, const at::Tensor&) {
                         EXPECT_TENSOR_NEAR(sample, samples[9 - i], 1e-4);
                         order.push_back(i);
                       });
  EXPECT_TENSOR_NEAR(out, load("ddim/run_final.npy"), 1e-4);
  EXPECT_EQ(order, (std::vector<int64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(reported, 10);
}

TEST(GaussianDiffusion, CancelStopsTheLoopWithinOneStep) {
  const Schedule s = make_schedule("linear", 1000, "ddim20");
  drig::JobContext job;
  int64_t calls = 0;
  const Denoiser cancel_at_third = [&](const at::Tensor& x_t, const at::Tensor&) {
    if (++calls == 3)
      job.cancel.cancel();
    return torch::zeros_like(x_t);
  };
  EXPECT_THROW(ddim_sample_loop(s, cancel_at_third, torch::randn({1, 3, 8, 8}), 0.0, true, job),
               drig::CancelledError);
  EXPECT_EQ(calls, 3);
}

TEST(GaussianDiffusion, EtaAddsNoiseExceptAtTheLastStep) {
  const Schedule s = make_schedule("linear", 1000, "ddim10");
  const at::Tensor x = torch::randn({2, 3, 4, 4}), eps = torch::randn({2, 3, 4, 4});
  const at::Tensor z = torch::randn({2, 3, 4, 4});
  const at::Tensor t = torch::tensor({5, 0}, torch::kLong);
  const StepResult deterministic = ddim_step(s, x, t, eps, 0.0, true);
  const StepResult noisy = ddim_step(s, x, t, eps, 1.0, true, z);
  EXPECT_FALSE(torch::allclose(noisy.sample[0], deterministic.sample[0]));
  EXPECT_TRUE(torch::allclose(noisy.sample[1], deterministic.sample[1])); // t = 0
  EXPECT_THROW(extract(s.betas, torch::tensor({10}, torch::kLong), x), drig::Error);
}
