#pragma once

// DiffusionRig's denoiser: the guided-diffusion UNet with the physical
// buffers concatenated to x_t and the encoder's global latent modulating
// every ResBlock (FiLM after the timestep's). Module and parameter names
// equal the original state_dict keys, so official checkpoints load as they are.
#include "model/base/progress.h"
#include "model/diffusionrig_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>

namespace drig::networks {

// While one lives on a thread, UNet forwards on that thread poll `cancel`
// between blocks and throw CancelledError: a cancelled edit stops within a
// block (a fraction of a second on a CPU) instead of finishing its step.
class ForwardCancelScope {
public:
  explicit ForwardCancelScope(const CancelToken& cancel);
  ~ForwardCancelScope();
  ForwardCancelScope(const ForwardCancelScope&) = delete;
  ForwardCancelScope& operator=(const ForwardCancelScope&) = delete;

private:
  const CancelToken* previous_;
};

// cat[cos(t f), sin(t f)] with f_i = exp(-ln(10000) i / (dim/2)).
at::Tensor timestep_embedding(const at::Tensor& t, int64_t dim);

struct ResBlockImpl : torch::nn::Module {
  ResBlockImpl(int64_t channels, int64_t emb_channels, int64_t latent_dim, int64_t out_channels,
               bool scale_shift, bool up, bool down, double dropout);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb, const at::Tensor& latent);

  torch::nn::Sequential in_layers{nullptr}, emb_layers{nullptr}, cond_emb_layers{nullptr},
      out_layers{nullptr};
  torch::nn::AnyModule skip_connection; // empty for identity
  bool up, down, scale_shift;
};
TORCH_MODULE(ResBlock);

struct AttentionBlockImpl : torch::nn::Module {
  AttentionBlockImpl(int64_t channels, int64_t num_heads, bool new_order);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv1d qkv{nullptr}, proj_out{nullptr};
  int64_t heads;
  bool new_order;
};
TORCH_MODULE(AttentionBlock);

// Whether attention uses LibTorch's fused scaled_dot_product_attention
// (LibTorch >= 2.0) instead of the original's einsum/softmax; both compute
// the same function. Process-wide, for benchmarks and equivalence tests.
bool fused_attention_available();
void set_fused_attention(bool enabled);

// The resamplers used when resblock_updown is off (conv_resample is always on
// in the original): nearest x2 + 3x3 conv, and a stride-2 3x3 conv.
struct UpsampleImpl : torch::nn::Module {
  explicit UpsampleImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

struct DownsampleImpl : torch::nn::Module {
  explicit DownsampleImpl(int64_t channels);
  at::Tensor forward(const at::Tensor& x) { return op->forward(x); }
  torch::nn::Conv2d op{nullptr};
};
TORCH_MODULE(Downsample);

// TimestepEmbedSequential: ResBlocks get (emb, latent), other layers x only.
struct EmbedSequentialImpl : torch::nn::Module {
  at::Tensor forward(at::Tensor x, const at::Tensor& emb, const at::Tensor& latent);
  void add(const std::shared_ptr<torch::nn::Module>& layer);
  std::vector<std::shared_ptr<torch::nn::Module>> layers;
};
TORCH_MODULE(EmbedSequential);

struct UNetImpl : torch::nn::Module {
  explicit UNetImpl(const DiffusionRigConfig& config);
  // x_t (B,3,H,W), original timesteps (B), physical buffers (B,9,H,W), latent (B,latent_dim).
  at::Tensor forward(const at::Tensor& x_t, const at::Tensor& t, const at::Tensor& physic_cond,
                     const at::Tensor& latent);

  DiffusionRigConfig config;
  torch::nn::Sequential time_embed{nullptr}, out{nullptr};
  torch::nn::ModuleList input_blocks{nullptr}, output_blocks{nullptr};
  EmbedSequential middle_block{nullptr};
};
TORCH_MODULE(UNet);

} // namespace drig::networks
