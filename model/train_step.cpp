#include "model/train_step.h"

#include "model/base/error.h"
#include "model/base/options.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/networks/diffusionrig_model.h"
#include "model/random.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace drig {
namespace {

// GradScaler's defaults: start at 2^16, halve on overflow, double after 2000
// clean steps.
constexpr double kInitialScale = 65536.0;
constexpr int kGrowthInterval = 2000;

const diffusion::Schedule& training_schedule() {
  static const diffusion::Schedule s = diffusion::make_schedule("linear", 1000, "");
  return s;
}

} // namespace

void TrainOptions::check(OptionCheck& c) const {
  c.require(stage == 1 || stage == 2, fmt::format("stage must be 1 or 2, got {}", stage));
  c.require(lr > 0 && lr < 1, fmt::format("the learning rate must be in (0,1), got {}", lr));
  c.require(weight_decay >= 0,
            fmt::format("weight decay must not be negative, got {}", weight_decay));
  c.require(grad_clip > 0, fmt::format("the gradient clip must be positive, got {}", grad_clip));
  c.require(!p2_weight || (p2_k > 0 && p2_gamma >= 0),
            fmt::format("P2 weighting needs k > 0 and gamma >= 0, got k {} and gamma {}", p2_k,
                        p2_gamma));
}

TrainStep::TrainStep(std::shared_ptr<networks::DiffusionRigImpl> model, const TrainOptions& options)
    : model_(std::move(model)), options_(options) {
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed("training step");
  for (auto& item : model_->named_parameters())
    item.value().set_requires_grad(options.stage == 1 ||
                                   item.key().rfind("denoisingUNet.", 0) == 0);
  // All parameters go to Adam, as in the original; frozen ones have no
  // gradient and Adam skips them.
  adam_ = std::make_unique<torch::optim::Adam>(
      model_->parameters(),
      torch::optim::AdamOptions(options.lr).weight_decay(options.weight_decay));
  if (options.precision == Precision::fp16)
    loss_scale_ = kInitialScale;
  model_->train();
}

TrainStep::~TrainStep() = default;

torch::optim::Adam& TrainStep::optimizer() {
  return *adam_;
}

StepStats TrainStep::run(const at::Tensor& images_in, const at::Tensor& buffers_in,
                         const at::Tensor& t_in, const at::Tensor& noise_in,
                         const std::vector<uint64_t>& chunk_seeds) {
  DRIG_CHECK(images_in.dim() == 4 && images_in.size(1) == 3, "images must be (B,3,H,W), got [{}]",
             fmt::join(images_in.sizes(), ","));
  DRIG_CHECK(buffers_in.dim() == 4 && buffers_in.size(1) == 9 &&
                 buffers_in.size(0) == images_in.size(0) &&
                 buffers_in.size(2) == images_in.size(2) && buffers_in.size(3) == images_in.size(3),
             "buffers must be (B,9,H,W) matching images [{}], got [{}]",
             fmt::join(images_in.sizes(), ","), fmt::join(buffers_in.sizes(), ","));
  const c10::Device device = model_->parameters().front().device();
  const at::Tensor images = images_in.to(device, torch::kFloat);
  const at::Tensor buffers = buffers_in.to(device, torch::kFloat);
  const int64_t batch = images.size(0);
  const at::Tensor t =
      t_in.defined() ? t_in.to(device, torch::kLong)
                     : torch::randint(0, 1000, {batch},
                                      torch::TensorOptions().dtype(torch::kLong).device(device));
  const at::Tensor noise =
      noise_in.defined() ? noise_in.to(device, torch::kFloat) : torch::randn_like(images);
  const diffusion::Schedule& s = training_schedule();

  model_->train();
  adam_->zero_grad();
  const int64_t chunks = std::max<int64_t>(1, int64_t(chunk_seeds.size()));
  DRIG_CHECK(batch % chunks == 0, "a batch of {} does not split into {} equal micro-batches", batch,
             chunks);
  const int64_t per_chunk = batch / chunks;
  double loss_sum = 0;
  for (int64_t k = 0; k < chunks; ++k) {
    std::optional<GeneratorScope> dropout_draws;
    if (!chunk_seeds.empty())
      dropout_draws.emplace(chunk_seeds[size_t(k)]);
    const auto part = [&](const at::Tensor& x) { return x.narrow(0, k * per_chunk, per_chunk); };
    at::Tensor loss;
    {
      const AutocastScope autocast(device, options_.precision);
      const at::Tensor x0 = part(images);
      const at::Tensor tk = part(t);
      const at::Tensor latent = model_->encode(x0);
      const at::Tensor x_t = diffusion::q_sample(s, x0, tk, part(noise));
      const at::Tensor eps = model_->denoisingUNet->forward(x_t, diffusion::model_timesteps(s, tk),
                                                            part(buffers), latent);
      loss = diffusion::training_mse(s, part(noise), eps.to(torch::kFloat), tk, options_.p2_weight,
                                     options_.p2_gamma, options_.p2_k)
                 .mean();
    }
    (loss_scale_ != 1.0 ? loss * loss_scale_ : loss).backward();
    loss_sum += loss.item<double>();
  }

  std::vector<at::Tensor> grads;
  for (const auto& p : model_->parameters())
    if (p.grad().defined())
      grads.push_back(p.grad());
  {
    torch::NoGradGuard no_grad;
    if (chunks > 1)
      for (auto& g : grads)
        g.div_(double(chunks));
    if (reducer_)
      reducer_(grads);
  }
  StepStats stats;
  stats.loss = loss_sum / double(chunks);
  {
    torch::NoGradGuard no_grad;
    if (loss_scale_ != 1.0)
      for (auto& g : grads)
        g.div_(loss_scale_);
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    for (const auto& g : grads)
      norms.push_back(g.norm(2));
    const at::Tensor total = torch::stack(norms).norm(2);
    stats.grad_norm = total.item<double>();
    if (!std::isfinite(stats.grad_norm)) {
      DRIG_CHECK(options_.precision == Precision::fp16,
                 "the gradients are not finite (loss {}): training diverged", stats.loss);
      loss_scale_ /= 2;
      good_steps_ = 0;
      stats.skipped = true;
      return stats;
    }
    // As clip_grad_norm_: scale by min(1, clip / (norm + 1e-6)).
    const at::Tensor coef = torch::clamp(options_.grad_clip / (total + 1e-6), c10::nullopt, 1.0);
    for (auto& g : grads)
      g.mul_(coef);
  }
  adam_->step();
  if (options_.precision == Precision::fp16 && ++good_steps_ == kGrowthInterval) {
    loss_scale_ *= 2;
    good_steps_ = 0;
  }
  return stats;
}

} // namespace drig
