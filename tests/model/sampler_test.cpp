// The sampling entry point: precision, chunking and determinism around the
// DDIM loop that networks/unet_test checks against the original.
#include "model/base/error.h"
#include "model/networks/diffusionrig_model.h"
#include "model/precision.h"
#include "model/sampler.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <cstdlib>

#include <gtest/gtest.h>

using namespace drig;

namespace {

struct Inputs {
  LoadedModel model;
  at::Tensor buffers, latent;
};

Inputs tiny_inputs(int64_t batch) {
  Inputs in;
  in.model =
      load_diffusionrig(test::extracted_fixture("tiny/model000000.pt"), c10::Device(c10::kCPU));
  torch::manual_seed(11);
  in.buffers = torch::rand({batch, 9, 32, 32});
  in.latent = torch::randn({batch, in.model.config.latent_dim});
  return in;
}

SampleOptions ten_steps(int64_t seed) {
  SampleOptions o;
  o.respacing = "ddim10";
  o.seed = seed;
  return o;
}

} // namespace

TEST(Sampler, TheSameSeedGivesTheSameImagesAndAnotherSeedOthers) {
  DRIG_REQUIRE_SHARED();
  const Inputs in = tiny_inputs(2);
  const at::Tensor a = sample(in.model, in.buffers, in.latent, {}, ten_steps(5)).samples;
  const at::Tensor b = sample(in.model, in.buffers, in.latent, {}, ten_steps(5)).samples;
  const at::Tensor c = sample(in.model, in.buffers, in.latent, {}, ten_steps(6)).samples;
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
}

TEST(Sampler, ChunkedBatchesGiveTheSameImagesAndOneProgressRun) {
  DRIG_REQUIRE_SHARED();
  const Inputs in = tiny_inputs(3);
  SampleOptions whole = ten_steps(7);
  whole.keep_predictions = true;
  const SampleResult all = sample(in.model, in.buffers, in.latent, {}, whole);
  SampleOptions chunked = whole;
  chunked.batch = 2;
  std::vector<ProgressUpdate> updates;
  JobContext job;
  job.on_progress = [&](const ProgressUpdate& u) { updates.push_back(u); };
  const SampleResult parts = sample(in.model, in.buffers, in.latent, {}, chunked, job);
  // Convolutions pick other kernels for other batch sizes: fp32 rounding
  // differences grow over 10 steps of a random-weight model to ~2e-4.
  EXPECT_TENSOR_NEAR(parts.samples, all.samples, 1e-3);
  EXPECT_TENSOR_NEAR(parts.predictions, all.predictions, 1e-3);
  EXPECT_EQ(parts.predictions.sizes(), at::IntArrayRef({10, 3, 3, 32, 32}));
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().total, 20); // 2 chunks x 10 steps
  EXPECT_EQ(updates.back().done, 20);
  for (size_t i = 1; i < updates.size(); ++i)
    EXPECT_GE(updates[i].done, updates[i - 1].done);
}

TEST(Sampler, Bf16AutocastOnTheCpuStaysCloseToFp32) {
  DRIG_REQUIRE_SHARED();
  if (!cpu_has_native_bf16())
    GTEST_SKIP() << "this CPU has no native bf16 (AVX512-BF16 or AMX): bf16 is refused here";
  const Inputs in = tiny_inputs(1);
  SampleOptions o = ten_steps(8);
  o.clip_denoised = false; // the clamp would hide differences
  const at::Tensor fp32 = sample(in.model, in.buffers, in.latent, {}, o).samples;
  o.precision = Precision::bf16;
  const at::Tensor bf16 = sample(in.model, in.buffers, in.latent, {}, o).samples;
  EXPECT_EQ(bf16.scalar_type(), torch::kFloat);
  EXPECT_FALSE(torch::equal(fp32, bf16)) << "autocast did not change anything";
  // bf16 keeps 8 bits of mantissa: relative error ~1e-2 per layer.
  const double rel = ((bf16 - fp32).norm() / fp32.norm()).item<double>();
  EXPECT_LT(rel, 0.1);
}

TEST(Sampler, PrecisionNamesAndUnsupportedCombinationsAreClearErrors) {
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(parse_precision("half"), Precision::fp16);
  EXPECT_NE(test::error_of([] { parse_precision("fp8"); }).find("use fp32, fp16, bf16 or auto"),
            std::string::npos);
  const c10::Device cpu(c10::kCPU);
  EXPECT_EQ(resolve_precision("auto", cpu),
            cpu_has_native_bf16() ? Precision::bf16 : Precision::fp32);
  EXPECT_EQ(resolve_precision("fp32", cpu), Precision::fp32);
  EXPECT_NE(test::error_of([] {
              check_precision(Precision::fp16, c10::Device(c10::kCPU));
            }).find("fp16 runs on CUDA only"),
            std::string::npos);
}

TEST(Sampler, Bf16IsRefusedWhereTheCpuWouldEmulateIt) {
  ::setenv("DRIG_CPU_NO_BF16", "1", 1);
  const c10::Device cpu(c10::kCPU);
  EXPECT_FALSE(cpu_has_native_bf16());
  EXPECT_EQ(resolve_precision("auto", cpu), Precision::fp32);
  EXPECT_NE(test::error_of([&] { check_precision(Precision::bf16, cpu); }).find("emulated"),
            std::string::npos);
  ::unsetenv("DRIG_CPU_NO_BF16");
}

TEST(Sampler, TheFastSamplersShareTheOriginalsXtAndItsDdimPath) {
  DRIG_REQUIRE_SHARED();
  const Inputs in = tiny_inputs(2);
  torch::manual_seed(12);
  const at::Tensor x_T = torch::randn({2, 3, 32, 32});
  const auto run = [&](const std::string& sampler, const std::string& steps,
                       const std::string& placement = "") {
    SampleOptions o;
    o.sampler = sampler;
    o.respacing = steps;
    o.placement = placement;
    return sample(in.model, in.buffers, in.latent, x_T, o).samples;
  };
  const at::Tensor dpm = run("dpmpp2m", "15");
  EXPECT_TRUE(torch::equal(dpm, run("dpmpp2m", "ddim15"))); // the same x_T, the same image
  EXPECT_FALSE(torch::equal(dpm, run("dpmpp3m", "15")));
  EXPECT_FALSE(torch::equal(dpm, run("dpmpp2m", "15", "uniform")));
  EXPECT_LE(dpm.abs().max().item<double>(), 1.0); // the original's clip of x_0
  // The original's "50" respacing and 50 uniform steps hit the same
  // timesteps: DDIM's loop and the first-order solver walk the same path
  // through the real network. (The fidelity bar is checked on a trained
  // model in overfit_test: this untrained fixture's ODE is rough in t.)
  const at::Tensor ddim = run("ddim", "50");
  EXPECT_GT(test::psnr((run("ddim", "50", "uniform") + 1) / 2, (ddim + 1) / 2), 60.0);
  EXPECT_NE(test::error_of([&] { run("dpmpp2m", "10,5"); }).find("a step count such as 15"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { run("heun", "15"); }).find("use ddim, dpmpp2m, dpmpp3m or unipc"),
            std::string::npos);
}

TEST(Sampler, ACancelledJobStopsInsideTheUNetForward) {
  DRIG_REQUIRE_SHARED();
  const Inputs in = tiny_inputs(1);
  torch::InferenceMode guard;
  const at::Tensor x = torch::randn({1, 3, 32, 32});
  const at::Tensor t = torch::full({1}, 500, torch::kLong);
  auto& unet = *in.model.model->denoisingUNet;
  CancelToken cancel;
  {
    const networks::ForwardCancelScope scope(cancel);
    EXPECT_NO_THROW(unet.forward(x, t, in.buffers, in.latent));
    cancel.cancel();
    EXPECT_THROW(unet.forward(x, t, in.buffers, in.latent), CancelledError);
  }
  // Outside the scope the token is not watched.
  EXPECT_NO_THROW(unet.forward(x, t, in.buffers, in.latent));
}

TEST(Sampler, OptionsReportEveryProblemAtOnce) {
  OptionCheck fine;
  SampleOptions{}.check(fine);
  EXPECT_TRUE(fine.ok());

  SampleOptions bad;
  bad.sampler = "dpmpp9m";
  bad.respacing = "fast";
  bad.eta = -1;
  bad.batch = -2;
  OptionCheck check;
  bad.check(check);
  ASSERT_EQ(check.problems().size(), 4u);
  const std::string all = test::error_of([&] { check.throw_if_failed("sampling options"); });
  for (const char* named : {"dpmpp9m", "fast", "eta", "batch"})
    EXPECT_NE(all.find(named), std::string::npos) << named << " is not named in: " << all;

  SampleOptions stochastic_solver;
  stochastic_solver.sampler = "dpmpp2m";
  stochastic_solver.respacing = "ddim15";
  stochastic_solver.eta = 0.5;
  OptionCheck one;
  stochastic_solver.check(one);
  ASSERT_EQ(one.problems().size(), 1u);
  EXPECT_NE(one.problems()[0].find("stochastic"), std::string::npos) << one.problems()[0];
}
