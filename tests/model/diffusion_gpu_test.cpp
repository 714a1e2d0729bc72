// The diffusion model on CUDA against the CPU and against the original's
// fixtures: fp32 equal within rounding, bf16/fp16 close, training on CUDA.
#include "model/cuda_graph.h"
#include "model/device.h"
#include "model/formats/npy.h"
#include "model/networks/diffusionrig_model.h"
#include "model/sampler.h"
#include "model/train_step.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>

using namespace drig;

namespace {

at::Tensor load(const std::string& relative) {
  return formats::load_npy(test::shared_dir() / "reference/diffusion/tiny" / relative).tensor;
}

LoadedModel tiny_on(const c10::Device& device) {
  return load_diffusionrig(test::extracted_fixture("tiny/model000000.pt"), device);
}

const c10::Device kCuda(c10::kCUDA, 0);

} // namespace

TEST(GpuDiffusion, TenStepDdimOnCudaReproducesTheOriginalRun) {
  REQUIRE_CUDA();
  DRIG_REQUIRE_SHARED();
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const LoadedModel model = tiny_on(kCuda);
  SampleOptions o;
  o.respacing = "ddim10";
  const SampleResult r = sample(model, load("ddim/physic_cond.npy"), load("ddim/latent.npy"),
                                load("ddim/noise.npy"), o);
  EXPECT_TENSOR_NEAR(r.samples, load("ddim/run_final.npy"), 1e-3);
  EXPECT_TENSOR_NEAR(encode_latent(model, load("encoder/image.npy")),
                     load("encoder/latent_eval.npy"), 1e-4);
}

TEST(GpuDiffusion, MixedPrecisionStaysCloseToFp32) {
  REQUIRE_CUDA();
  DRIG_REQUIRE_SHARED();
  const LoadedModel model = tiny_on(kCuda);
  SampleOptions o;
  o.respacing = "ddim10";
  o.clip_denoised = false;
  const at::Tensor buffers = load("ddim/physic_cond.npy"), latent = load("ddim/latent.npy"),
                   noise = load("ddim/noise.npy");
  const at::Tensor fp32 = sample(model, buffers, latent, noise, o).samples;
  for (Precision p : {Precision::bf16, Precision::fp16}) {
    o.precision = p;
    const at::Tensor mixed = sample(model, buffers, latent, noise, o).samples;
    const double rel = ((mixed - fp32).norm() / fp32.norm()).item<double>();
    EXPECT_LT(rel, p == Precision::fp16 ? 0.05 : 0.1) << to_string(p);
    EXPECT_FALSE(torch::equal(mixed, fp32)) << to_string(p) << ": autocast had no effect";
  }
}

TEST(GpuDiffusion, TrainingStepOnCudaMatchesTheOriginal) {
  REQUIRE_CUDA();
  DRIG_REQUIRE_SHARED();
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  auto model = test::tiny_fixture_model();
  model->to(kCuda);
  TrainOptions options;
  options.stage = 2;
  options.lr = 1e-5;
  TrainStep step(model, options);
  const StepStats stats = step.run(load("loss/image.npy"), load("loss/physic_cond.npy"),
                                   load("loss/t.npy"), load("loss/noise.npy"));
  EXPECT_NEAR(stats.loss, load("train_step/stage2_logged_mse.npy").item<double>(), 1e-5);
  const double norm = load("train_step/stage2_grad_norm.npy").item<double>();
  EXPECT_NEAR(stats.grad_norm, norm, 1e-3 * norm);
  // bf16 autocast training runs and gives a finite loss of the same size.
  TrainOptions mixed = options;
  mixed.precision = Precision::bf16;
  TrainStep bf16(model, mixed);
  const StepStats s2 = bf16.run(load("loss/image.npy"), load("loss/physic_cond.npy"),
                                load("loss/t.npy"), load("loss/noise.npy"));
  EXPECT_NEAR(s2.loss, stats.loss, 0.05 * stats.loss);
}

TEST(GpuDiffusion, CudaGraphReplayEqualsEagerSamplingAndFollowsShapeChanges) {
  REQUIRE_CUDA();
  DRIG_REQUIRE_SHARED();
  if (!cuda_graphs_enabled())
    GTEST_SKIP() << "built without CUDA graphs (DRIG_CUDA_GRAPHS=OFF)";
  const LoadedModel model = tiny_on(kCuda);
  SampleOptions o;
  o.respacing = "ddim10";
  o.clip_denoised = false;
  const at::Tensor buffers = load("ddim/physic_cond.npy"), latent = load("ddim/latent.npy"),
                   noise = load("ddim/noise.npy");
  const at::Tensor graphed = sample(model, buffers, latent, noise, o).samples;
  ASSERT_TRUE(*model.graph) << "no graph was captured";
  // Same shapes: the cached graph is replayed, with the new inputs.
  const at::Tensor again = sample(model, buffers.flip(0), latent.flip(0), noise.flip(0), o).samples;
  // One image: a new capture for the new shape.
  const at::Tensor single =
      sample(model, buffers.narrow(0, 0, 1), latent.narrow(0, 0, 1), noise.narrow(0, 0, 1), o)
          .samples;
  ::setenv("DRIG_CUDA_GRAPHS", "0", 1);
  const at::Tensor eager = sample(model, buffers, latent, noise, o).samples;
  ::unsetenv("DRIG_CUDA_GRAPHS");
  EXPECT_TENSOR_NEAR(graphed, eager, 1e-4);
  EXPECT_TENSOR_NEAR(again, eager.flip(0), 1e-4);
  EXPECT_TENSOR_NEAR(single, eager.narrow(0, 0, 1), 1e-3);
  // And under bf16 autocast (weight casts captured into the graph).
  o.precision = Precision::bf16;
  const at::Tensor bf16_graphed = sample(model, buffers, latent, noise, o).samples;
  ::setenv("DRIG_CUDA_GRAPHS", "0", 1);
  const at::Tensor bf16_eager = sample(model, buffers, latent, noise, o).samples;
  ::unsetenv("DRIG_CUDA_GRAPHS");
  EXPECT_TENSOR_NEAR(bf16_graphed, bf16_eager, 1e-2);
}
