// Per-job random streams: a job's results do not depend on what other jobs
// draw at the same time (issue 24: a Generate while a Personalize runs).
#include "model/networks/diffusionrig_model.h"
#include "model/random.h"
#include "model/sampler.h"
#include "model/train_step.h"
#include "tests/support/tiny_model.h"

#include <torch/torch.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

using namespace drig;

namespace {

std::shared_ptr<networks::DiffusionRigImpl> tiny_model(double dropout, uint64_t seed) {
  DiffusionRigConfig config = test::tiny_architecture();
  config.dropout = dropout;
  auto model = std::make_shared<networks::DiffusionRigImpl>(config);
  initialize_weights(*model, seed);
  return model;
}

struct Inputs {
  at::Tensor images, buffers, latent, t, noise;
};

Inputs inputs() {
  at::Generator gen = make_generator(5);
  Inputs in;
  in.images = at::rand({2, 3, 32, 32}, gen) * 2 - 1;
  in.buffers = at::rand({2, 9, 32, 32}, gen);
  in.latent = at::randn({2, test::tiny_architecture().latent_dim}, gen);
  in.t = at::randint(0, 1000, {2}, gen);
  in.noise = at::randn({2, 3, 32, 32}, gen);
  return in;
}

// The ancestral sampler draws noise at every step; DDIM with eta draws too.
at::Tensor sample_job(const Inputs& in) {
  const LoadedModel model =
      prepare_for_inference(tiny_model(0, 1), test::tiny_architecture(), c10::Device(c10::kCPU));
  SampleOptions o;
  o.respacing = "10";
  o.ddim = false;
  o.seed = 42;
  return sample(model, in.buffers, in.latent, {}, o).samples;
}

// Two steps with dropout, whose masks come from the chunk seeds.
at::Tensor train_job(const Inputs& in) {
  auto model = tiny_model(0.3, 2);
  TrainOptions options;
  options.lr = 1e-3;
  TrainStep step(model, options);
  for (int i = 0; i < 2; ++i)
    step.run(in.images, in.buffers, in.t, in.noise, {uint64_t(100 + i)});
  std::vector<at::Tensor> flat;
  for (const auto& p : model->parameters())
    flat.push_back(p.detach().flatten());
  return torch::cat(flat);
}

// Runs on its own thread, as the Studio's jobs do, so thread settings match.
template <typename F>
at::Tensor on_thread(F f) {
  at::Tensor out;
  std::thread([&] { out = f(); }).join();
  return out;
}

} // namespace

TEST(Random, AGeneratorOfASeedGivesTheStreamOfTorchManualSeed) {
  torch::manual_seed(7);
  const at::Tensor global = torch::randn({1000});
  EXPECT_TRUE(torch::equal(global, at::randn({1000}, make_generator(7))));
  EXPECT_FALSE(torch::equal(global, at::randn({1000}, make_generator(8))));
}

TEST(Random, DropoutDrawsFromTheScopeAndOnlyInTraining) {
  const at::Tensor x = torch::ones({4096});
  at::Tensor a, b, c;
  {
    const GeneratorScope scope(3);
    a = dropout_scoped(x, 0.25);
  }
  {
    const GeneratorScope scope(3);
    torch::randn({100}); // the process-wide stream does not matter
    b = dropout_scoped(x, 0.25);
  }
  {
    const GeneratorScope scope(4);
    c = dropout_scoped(x, 0.25);
  }
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  const double kept = (a > 0).to(torch::kFloat).mean().item<double>();
  EXPECT_NEAR(kept, 0.75, 0.03);
  EXPECT_NEAR(a.max().item<double>(), 1 / 0.75, 1e-6);
}

TEST(Random, InitialWeightsDependOnTheSeedOnly) {
  const auto a = tiny_model(0, 9), b = tiny_model(0, 9), c = tiny_model(0, 10);
  const auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
    any_differs = any_differs || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(any_differs);
}

TEST(Random, ConcurrentJobsGiveWhatEachGivesAlone) {
  const Inputs in = inputs();
  const at::Tensor sampled = on_thread([&] { return sample_job(in); });
  const at::Tensor trained = on_thread([&] { return train_job(in); });

  std::atomic<bool> done{false};
  at::Tensor sampled_again, trained_again;
  std::thread sampler([&] { sampled_again = sample_job(in); });
  std::thread trainer([&] { trained_again = train_job(in); });
  // Someone else reseeding and drawing from the process-wide stream all along.
  std::thread other([&] {
    for (int i = 0; !done; ++i) {
      torch::manual_seed(uint64_t(i));
      torch::randn({64});
    }
  });
  sampler.join();
  trainer.join();
  done = true;
  other.join();
  EXPECT_TRUE(torch::equal(sampled, sampled_again));
  EXPECT_TRUE(torch::equal(trained, trained_again));
}
