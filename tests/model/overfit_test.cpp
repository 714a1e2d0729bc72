// The whole loop, not only each part: a tiny model trained from scratch on
// two images (each with its own buffers) must drive the loss down by 10x and
// then sample each image back from its buffers and latent.
#include "model/device.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/networks/diffusionrig_model.h"
#include "model/sampler.h"
#include "model/train_step.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_model.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>

using namespace drig;

namespace {

// Two clearly different 32² images in [-1,1]: a colour gradient and rings.
at::Tensor two_images() {
  const at::Tensor y = torch::linspace(-1, 1, 32).view({32, 1}).expand({32, 32});
  const at::Tensor x = torch::linspace(-1, 1, 32).view({1, 32}).expand({32, 32});
  const at::Tensor a = torch::stack({x, y, -x * 0.5});
  const at::Tensor r = torch::sqrt(x * x + y * y);
  const at::Tensor b = torch::stack({torch::cos(r * 3), -torch::sin(r * 2), y * 0.8});
  return torch::stack({a, b}).clamp(-1, 1);
}

// Buffers that carry each image's look, as DECA's do: a shaded render, a
// normal map and an albedo, here derived from the image itself.
at::Tensor buffers_for(const at::Tensor& images) {
  const at::Tensor rendered = (images + 1) / 2 * 0.8;
  const at::Tensor normal = torch::tanh(images * 1.5);
  const at::Tensor albedo = torch::avg_pool2d(((images + 1) / 2), 3, 1, 1);
  return torch::cat({rendered, normal, albedo}, 1);
}

double eval_loss(networks::DiffusionRigImpl& model, const at::Tensor& images,
                 const at::Tensor& buffers) {
  // Fixed timesteps and noise, so before and after compare like with like.
  torch::NoGradGuard no_grad;
  model.eval();
  const diffusion::Schedule s = diffusion::make_schedule("linear", 1000, "");
  torch::manual_seed(77);
  double total = 0;
  for (int64_t t : {50, 200, 400, 600, 800, 950}) {
    const at::Tensor tt = torch::full({images.size(0)}, t, torch::kLong);
    const at::Tensor noise = torch::randn_like(images);
    const at::Tensor x_t = diffusion::q_sample(s, images, tt, noise);
    const at::Tensor eps = model.denoisingUNet->forward(x_t, tt, buffers, model.encode(images));
    total += diffusion::training_mse(s, noise, eps, tt, false).mean().item<double>();
  }
  return total / 6;
}

} // namespace

TEST(Overfit, TwoImagesAreLearnedAndSampledBackFromTheirBuffers) {
  configure_torch_threads(0);
  torch::manual_seed(0);
  const DiffusionRigConfig config = test::tiny_architecture();
  auto model = std::make_shared<networks::DiffusionRigImpl>(config);
  const at::Tensor images = two_images(), buffers = buffers_for(images);

  const double before = eval_loss(*model, images, buffers);
  TrainOptions options;
  options.stage = 1;
  options.lr = 1e-3; // far above the paper's 1e-4: memorising two images should be quick
  if (const char* lr = std::getenv("DRIG_OVERFIT_LR"))
    options.lr = std::atof(lr);
  options.p2_weight = false; // measured: P2 on reaches 15.9 / 14.5 dB, no better
  TrainStep step(model, options);
  const char* env = std::getenv("DRIG_OVERFIT_STEPS");
  const int steps = env ? std::atoi(env) : 600;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    if (i == steps * 2 / 3) // settle: a tenth of the rate for the last third
      static_cast<torch::optim::AdamOptions&>(step.optimizer().param_groups()[0].options())
          .lr(options.lr / 10);
    step.run(images, buffers);
  }
  std::printf("%d training steps in %.1f s\n", steps,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const double after = eval_loss(*model, images, buffers);
  EXPECT_LT(after * 10, before) << "loss " << before << " -> " << after;

  const LoadedModel loaded = prepare_for_inference(model, config, c10::Device(c10::kCPU));
  const at::Tensor latent = encode_latent(loaded, images);
  { // How well x0 is known per noise level: what limits the samples.
    torch::NoGradGuard no_grad;
    const diffusion::Schedule sch = diffusion::make_schedule("linear", 1000, "");
    for (int64_t t : {100, 300, 500, 700, 900}) {
      const at::Tensor tt = torch::full({2}, t, torch::kLong);
      const at::Tensor x_t = diffusion::q_sample(sch, images, tt, torch::randn_like(images));
      const at::Tensor eps = model->denoisingUNet->forward(x_t, tt, buffers, latent);
      const at::Tensor x0 = diffusion::predict_xstart_from_eps(sch, x_t, tt, eps).clamp(-1, 1);
      std::printf("t=%lld x0 PSNR %.1f / %.1f\n", (long long)t,
                  test::psnr((x0[0] + 1) / 2, (images[0] + 1) / 2),
                  test::psnr((x0[1] + 1) / 2, (images[1] + 1) / 2));
    }
  }
  SampleOptions o;
  o.respacing = "ddim20";
  o.seed = 5;
  const at::Tensor out = sample(loaded, buffers, latent, {}, o).samples;
  { // The fast samplers on a trained model, against the converged ODE
    // solution (DDIM through all 1000 steps from the same x_T).
    torch::manual_seed(21);
    const at::Tensor x_T = torch::randn({2, 3, 32, 32});
    const auto run = [&](const std::string& sampler, const std::string& steps,
                         const std::string& placement = "") {
      SampleOptions s;
      s.sampler = sampler;
      s.respacing = steps;
      s.placement = placement;
      return (sample(loaded, buffers, latent, x_T, s).samples + 1) / 2;
    };
    const at::Tensor converged = run("ddim", "");
    for (int64_t i = 0; i < 2; ++i)
      std::printf("DDIM-1000 image %lld: PSNR %.1f dB to itself\n", (long long)i,
                  test::psnr(converged[i], (images[i] + 1) / 2));
    const double ddim20 = test::psnr(run("ddim", "ddim20"), converged);
    std::printf("PSNR to DDIM-1000: DDIM-20 %.1f dB\n", ddim20);
    std::map<std::string, double> db;
    for (const auto& [sampler, steps] : {std::pair<std::string, std::string>{"dpmpp3m", "15"},
                                         {"unipc", "15"},
                                         {"dpmpp2m", "15"},
                                         {"dpmpp2m", "20"}}) {
      const std::string key = sampler + "/quadratic/" + steps;
      db[key] = test::psnr(run(sampler, steps, "quadratic"), converged);
      std::printf("  %s %.1f dB\n", key.c_str(), db[key]);
    }
    // With three quarters of DDIM-20's evaluations, every fast sampler at
    // 15 steps (the Studio's default is 3M) is closer than the paper's
    // DDIM-20. Measured: DDIM-20 41.3 dB; 3M 47.3, UniPC 48.6, 2M 50.5 (44.8
    // without the clamp of the data term, issue 23). After 300 training
    // steps: DDIM-20 39.4; 2M 41.5, and 38.6 without the clamp.
    EXPECT_GT(db["dpmpp3m/quadratic/15"], ddim20);
    EXPECT_GT(db["unipc/quadratic/15"], ddim20);
    EXPECT_GT(db["dpmpp2m/quadratic/15"], ddim20);
    EXPECT_GT(db["dpmpp2m/quadratic/20"], ddim20);
  }
  const auto to01 = [](const at::Tensor& v) { return (v + 1) / 2; };
  for (int64_t i = 0; i < 2; ++i) {
    const double own = test::psnr(to01(out[i]), to01(images[i]));
    const double other = test::psnr(to01(out[i]), to01(images[1 - i]));
    // The 15 dB issue 25 asks for. Measured on 2 cores: 300 steps (55 s of
    // training) reach 17.6 / 14.9 dB, 450 steps 15.0 / 15.2, 600 steps
    // (114 s; the test about 160 s in all) 17.7 / 15.5. What limits them is
    // x0 at high noise (printed above: 5-10 dB at t = 700-900).
    EXPECT_GE(own, 15.0) << "image " << i;
    EXPECT_GT(own, other + 5.0) << "image " << i << " looks too much like the other one";
    std::printf("image %lld: PSNR %.1f dB to itself, %.1f dB to the other; loss %.4f -> %.4f\n",
                static_cast<long long>(i), own, other, before, after);
  }
}
