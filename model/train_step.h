#pragma once

// One optimisation step of the original TrainLoop: encoder latent from the
// clean image (train mode), noised x_t at uniformly drawn t, eps MSE with the
// optional P2 weight, backward, global grad-norm clip, Adam. Stage 2 freezes
// the encoder's weights (its BatchNorm statistics still update, as in the
// original). The data loop, checkpoints and logging live in training/.
#include "model/base/progress.h"
#include "model/precision.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <vector>

namespace torch::optim {
class Adam;
}

namespace drig {

class OptionCheck;

namespace networks {
struct DiffusionRigImpl;
}

struct TrainOptions {
  int stage = 2;    // 1: train everything; 2: UNet only
  double lr = 1e-5; // the paper: 1e-4 (stage 1), 1e-5 (stage 2)
  double weight_decay = 0.0;
  bool p2_weight = true; // the README commands turn it on
  double p2_gamma = 1.0, p2_k = 1.0;
  double grad_clip = 1.0; // auto_scale_grad_clip
  Precision precision = Precision::fp32;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

struct StepStats {
  double loss = 0;      // the optimised scalar
  double grad_norm = 0; // global L2 norm before clipping
  bool skipped = false; // fp16 only: inf/nan gradients, step skipped
};

class TrainStep {
public:
  // `model` is trained in place on its current device.
  TrainStep(std::shared_ptr<networks::DiffusionRigImpl> model, const TrainOptions& options);
  ~TrainStep();

  // images (B,3,H,W) in [-1,1], buffers (B,9,H,W). `t` (B, int64 original
  // timesteps) and `noise` (like images) are drawn when undefined.
  // `chunk_seeds`: split the batch into that many equal micro-batches, each
  // forward/backward on its own (BatchNorm statistics per micro-batch, as
  // per rank in a distributed run), the global generator seeded with its
  // seed first (dropout); the gradients are averaged.
  StepStats run(const at::Tensor& images, const at::Tensor& buffers, const at::Tensor& t = {},
                const at::Tensor& noise = {}, const std::vector<uint64_t>& chunk_seeds = {});

  // Called with the gradients after backward, before unscaling and
  // clipping; must replace them in place by their average over the
  // processes of a distributed run (so every rank then steps identically).
  using GradientReducer = std::function<void(std::vector<at::Tensor>&)>;
  void set_gradient_reducer(GradientReducer reducer) { reducer_ = std::move(reducer); }

  torch::optim::Adam& optimizer();
  const TrainOptions& options() const { return options_; }
  double loss_scale() const { return loss_scale_; }

private:
  std::shared_ptr<networks::DiffusionRigImpl> model_;
  TrainOptions options_;
  std::unique_ptr<torch::optim::Adam> adam_;
  GradientReducer reducer_;
  double loss_scale_ = 1.0; // dynamic, fp16 only (what the original's GradScaler does)
  int good_steps_ = 0;
};

} // namespace drig
