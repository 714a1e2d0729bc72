#include "model/networks/unet.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "model/random.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <cmath>

namespace drig::networks {
namespace nn = torch::nn;

namespace {

// GroupNorm32: normalised in float32 whatever the input precision.
struct GroupNorm32Impl : nn::GroupNormImpl {
  explicit GroupNorm32Impl(int64_t channels)
      : nn::GroupNormImpl(nn::GroupNormOptions(32, channels).eps(1e-5)) {}
  at::Tensor forward(const at::Tensor& x) { return forward_fp32(x).to(x.scalar_type()); }
  // The normalised activations left in fp32, for callers that go on in fp32.
  at::Tensor forward_fp32(const at::Tensor& x) {
    return nn::GroupNormImpl::forward(x.to(torch::kFloat));
  }
};
TORCH_MODULE(GroupNorm32);

// Nearest-neighbour x2, the original's Upsample without its conv.
at::Tensor upsample_nearest2x(const at::Tensor& x) {
  return torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                   .scale_factor(std::vector<double>{2.0, 2.0})
                                                   .mode(torch::kNearest));
}

nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1));
}

thread_local const CancelToken* forward_cancel = nullptr;

void poll_cancel() {
  if (forward_cancel)
    forward_cancel->check();
}

} // namespace

ForwardCancelScope::ForwardCancelScope(const CancelToken& cancel) : previous_(forward_cancel) {
  forward_cancel = &cancel;
}

ForwardCancelScope::~ForwardCancelScope() {
  forward_cancel = previous_;
}

at::Tensor timestep_embedding(const at::Tensor& t, int64_t dim) {
  const int64_t half = dim / 2;
  // Made on t's device: a host-to-device copy here would break CUDA graph capture.
  const at::Tensor freqs = torch::exp(
      -std::log(10000.0) *
      torch::arange(0, half, torch::TensorOptions().dtype(torch::kFloat).device(t.device())) /
      double(half));
  const at::Tensor args = t.to(torch::kFloat).unsqueeze(1) * freqs.unsqueeze(0);
  at::Tensor emb = torch::cat({torch::cos(args), torch::sin(args)}, -1);
  if (dim % 2 != 0)
    emb = torch::cat({emb, torch::zeros_like(emb.narrow(1, 0, 1))}, -1);
  return emb;
}

ResBlockImpl::ResBlockImpl(int64_t channels, int64_t emb_channels, int64_t latent_dim,
                           int64_t out_channels, bool scale_shift_, bool up_, bool down_,
                           double dropout)
    : up(up_), down(down_), scale_shift(scale_shift_) {
  DRIG_CHECK(scale_shift, "ResBlocks need use_scale_shift_norm (see validate())");
  in_layers = register_module("in_layers", nn::Sequential(GroupNorm32(channels), nn::SiLU(),
                                                          conv3x3(channels, out_channels)));
  emb_layers = register_module(
      "emb_layers", nn::Sequential(nn::SiLU(), nn::Linear(emb_channels, 2 * out_channels)));
  cond_emb_layers = register_module(
      "cond_emb_layers", nn::Sequential(nn::SiLU(), nn::Linear(latent_dim, 2 * out_channels)));
  out_layers = register_module("out_layers", nn::Sequential(GroupNorm32(out_channels), nn::SiLU(),
                                                            nn::Dropout(dropout),
                                                            conv3x3(out_channels, out_channels)));
  if (out_channels != channels) {
    auto skip = nn::Conv2d(nn::Conv2dOptions(channels, out_channels, 1));
    register_module("skip_connection", skip);
    skip_connection = nn::AnyModule(skip);
  }
}

at::Tensor ResBlockImpl::forward(const at::Tensor& x_in, const at::Tensor& emb,
                                 const at::Tensor& latent) {
  const auto resample = [&](const at::Tensor& v) {
    if (up)
      return upsample_nearest2x(v);
    if (down)
      return torch::avg_pool2d(v, 2, 2);
    return v;
  };
  at::Tensor h;
  at::Tensor x = x_in;
  if (up || down) {
    h = in_layers[1]->as<nn::SiLU>()->forward(in_layers[0]->as<GroupNorm32>()->forward(x));
    h = resample(h);
    x = resample(x);
    h = in_layers[2]->as<nn::Conv2d>()->forward(h);
  } else {
    h = in_layers->forward(x);
  }
  const auto film = [&](const at::Tensor& v) {
    const auto parts = v.unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
    return std::make_pair(parts[0], parts[1]);
  };
  static const bool fused = env_switch_on("DRIG_FUSED_FILM"); // 0: as before, for benchmarks
  if (fused) {
    const auto [scale, shift] = film(emb_layers->forward(emb).to(torch::kFloat));
    const auto [scale_z, shift_z] = film(cond_emb_layers->forward(latent).to(torch::kFloat));
    // Both FiLMs folded into one scale and shift on the (B,C,1,1) vectors, so
    // the full-size activations are written once (addcmul) instead of four
    // times, in the fp32 GroupNorm normalised in; in place where no gradient
    // needs the input.
    const at::Tensor scale_all = (1 + scale) * (1 + scale_z);
    const at::Tensor shift_all = shift * (1 + scale_z) + shift_z;
    h = torch::addcmul(shift_all, out_layers[0]->as<GroupNorm32>()->forward_fp32(h), scale_all);
    h = torch::GradMode::is_enabled() ? torch::silu(h) : torch::silu_(h);
  } else {
    const auto [scale, shift] = film(emb_layers->forward(emb).to(h.scalar_type()));
    const auto [scale_z, shift_z] = film(cond_emb_layers->forward(latent).to(h.scalar_type()));
    h = out_layers[0]->as<GroupNorm32>()->forward(h) * (1 + scale) + shift;
    h = out_layers[1]->as<nn::SiLU>()->forward(h * (1 + scale_z) + shift_z);
  }
  // Dropout from the job's generator (model/random.h), not the process's.
  if (const auto* drop = out_layers[2]->as<nn::Dropout>(); drop->is_training())
    h = dropout_scoped(h, drop->options.p());
  h = out_layers[3]->as<nn::Conv2d>()->forward(h);
  const at::Tensor skip = skip_connection.is_empty() ? x : skip_connection.forward(x);
  return skip + h;
}

namespace {
#if TORCH_VERSION_MAJOR >= 2
std::atomic<bool> use_fused{true};
#else
std::atomic<bool> use_fused{false};
#endif

// q, k, v: (B*heads, ch, T) -> (B*heads, ch, T). Both q and k scaled by
// ch^-1/4 (more stable in fp16 than scaling the product), softmax in fp32.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  if (use_fused.load(std::memory_order_relaxed))
    // Its default scale 1/sqrt(ch) is the same product.
    return at::scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        .transpose(1, 2);
#endif
  const double scale = 1.0 / std::sqrt(std::sqrt(double(q.size(1))));
  at::Tensor weight = torch::einsum("bct,bcs->bts", {q * scale, k * scale});
  weight = torch::softmax(weight.to(torch::kFloat), -1).to(weight.scalar_type());
  return torch::einsum("bts,bcs->bct", {weight, v});
}
} // namespace

bool fused_attention_available() {
  return TORCH_VERSION_MAJOR >= 2;
}

void set_fused_attention(bool enabled) {
  use_fused.store(enabled && fused_attention_available(), std::memory_order_relaxed);
}

AttentionBlockImpl::AttentionBlockImpl(int64_t channels, int64_t num_heads, bool new_order_)
    : heads(num_heads), new_order(new_order_) {
  norm = register_module("norm", nn::GroupNorm(nn::GroupNormOptions(32, channels).eps(1e-5)));
  qkv = register_module("qkv", nn::Conv1d(nn::Conv1dOptions(channels, 3 * channels, 1)));
  proj_out = register_module("proj_out", nn::Conv1d(nn::Conv1dOptions(channels, channels, 1)));
}

at::Tensor AttentionBlockImpl::forward(const at::Tensor& x_in) {
  const auto b = x_in.size(0), c = x_in.size(1);
  const at::Tensor x = x_in.reshape({b, c, -1});
  const at::Tensor normed = norm->forward(x.to(torch::kFloat)).to(x.scalar_type());
  const at::Tensor qkv_out = qkv->forward(normed);
  const int64_t length = qkv_out.size(2), ch = qkv_out.size(1) / (3 * heads);
  at::Tensor a;
  if (new_order) {
    // QKVAttention: q, k, v split first, then each into heads.
    const auto parts = qkv_out.chunk(3, 1);
    const auto heads_of = [&](const at::Tensor& t) { return t.reshape({b * heads, ch, length}); };
    a = attention(heads_of(parts[0]), heads_of(parts[1]), heads_of(parts[2]));
  } else {
    // QKVAttentionLegacy: heads split first, then q, k, v within each.
    const auto parts = qkv_out.reshape({b * heads, ch * 3, length}).split(ch, 1);
    a = attention(parts[0], parts[1], parts[2]);
  }
  return (x + proj_out->forward(a.reshape({b, -1, length}))).reshape(x_in.sizes());
}

UpsampleImpl::UpsampleImpl(int64_t channels) {
  conv = register_module("conv", conv3x3(channels, channels));
}

at::Tensor UpsampleImpl::forward(const at::Tensor& x) {
  return conv->forward(upsample_nearest2x(x));
}

DownsampleImpl::DownsampleImpl(int64_t channels) {
  op = register_module("op",
                       nn::Conv2d(nn::Conv2dOptions(channels, channels, 3).stride(2).padding(1)));
}

void EmbedSequentialImpl::add(const std::shared_ptr<nn::Module>& layer) {
  register_module(std::to_string(layers.size()), layer);
  layers.push_back(layer);
}

at::Tensor EmbedSequentialImpl::forward(at::Tensor x, const at::Tensor& emb,
                                        const at::Tensor& latent) {
  for (const auto& layer : layers) {
    if (auto* res = dynamic_cast<ResBlockImpl*>(layer.get()))
      x = res->forward(x, emb, latent);
    else if (auto* attention = dynamic_cast<AttentionBlockImpl*>(layer.get()))
      x = attention->forward(x);
    else if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(layer.get()))
      x = conv->forward(x);
    else if (auto* upsample = dynamic_cast<UpsampleImpl*>(layer.get()))
      x = upsample->forward(x);
    else if (auto* downsample = dynamic_cast<DownsampleImpl*>(layer.get()))
      x = downsample->forward(x);
    else
      fail("unexpected layer in a UNet block");
  }
  return x;
}

UNetImpl::UNetImpl(const DiffusionRigConfig& c) : config(c) {
  validate(c);
  const int64_t mc = c.model_channels, emb_ch = 4 * mc;
  const auto attention_block = [&](int64_t ch, bool upsampling) {
    const int64_t heads = c.num_head_channels > 0                  ? ch / c.num_head_channels
                          : upsampling && c.num_heads_upsample > 0 ? c.num_heads_upsample
                                                                   : c.num_heads;
    return AttentionBlock(ch, heads, c.new_attention_order);
  };
  time_embed = register_module(
      "time_embed", nn::Sequential(nn::Linear(mc, emb_ch), nn::SiLU(), nn::Linear(emb_ch, emb_ch)));
  const auto has_attention = [&](int ds) {
    return std::find(c.attention_ds.begin(), c.attention_ds.end(), ds) != c.attention_ds.end();
  };
  const auto res = [&](int64_t in, int64_t out, bool up, bool down) {
    return ResBlock(in, emb_ch, c.latent_dim, out, c.use_scale_shift_norm, up, down, c.dropout);
  };
  input_blocks = register_module("input_blocks", nn::ModuleList());
  int64_t ch = static_cast<int64_t>(c.channel_mult[0] * mc);
  const int64_t input_ch = ch;
  {
    EmbedSequential first;
    first->add(nn::Conv2d(nn::Conv2dOptions(c.in_channels, ch, 3).padding(1)).ptr());
    input_blocks->push_back(first);
  }
  std::vector<int64_t> chans{ch};
  int ds = 1;
  const int levels = static_cast<int>(c.channel_mult.size());
  for (int level = 0; level < levels; ++level) {
    for (int i = 0; i < c.num_res_blocks; ++i) {
      EmbedSequential block;
      const int64_t out = static_cast<int64_t>(c.channel_mult[level] * mc);
      block->add(res(ch, out, false, false).ptr());
      ch = out;
      if (has_attention(ds))
        block->add(attention_block(ch, false).ptr());
      input_blocks->push_back(block);
      chans.push_back(ch);
    }
    if (level + 1 < levels) {
      EmbedSequential block;
      if (c.resblock_updown)
        block->add(res(ch, ch, false, true).ptr());
      else
        block->add(Downsample(ch).ptr());
      input_blocks->push_back(block);
      chans.push_back(ch);
      ds *= 2;
    }
  }
  middle_block = register_module("middle_block", EmbedSequential());
  middle_block->add(res(ch, ch, false, false).ptr());
  middle_block->add(attention_block(ch, false).ptr());
  middle_block->add(res(ch, ch, false, false).ptr());
  output_blocks = register_module("output_blocks", nn::ModuleList());
  for (int level = levels - 1; level >= 0; --level)
    for (int i = 0; i <= c.num_res_blocks; ++i) {
      EmbedSequential block;
      const int64_t skip = chans.back();
      chans.pop_back();
      const int64_t out = static_cast<int64_t>(c.channel_mult[level] * mc);
      block->add(res(ch + skip, out, false, false).ptr());
      ch = out;
      if (has_attention(ds))
        block->add(attention_block(ch, true).ptr());
      if (level > 0 && i == c.num_res_blocks) {
        if (c.resblock_updown)
          block->add(res(ch, ch, true, false).ptr());
        else
          block->add(Upsample(ch).ptr());
        ds /= 2;
      }
      output_blocks->push_back(block);
    }
  out = register_module(
      "out",
      nn::Sequential(GroupNorm32(ch), nn::SiLU(),
                     nn::Conv2d(nn::Conv2dOptions(input_ch, c.learn_sigma ? 6 : 3, 3).padding(1))));
}

at::Tensor UNetImpl::forward(const at::Tensor& x_t, const at::Tensor& t,
                             const at::Tensor& physic_cond, const at::Tensor& latent) {
  const at::Tensor emb = time_embed->forward(timestep_embedding(t, config.model_channels));
  std::vector<at::Tensor> skips;
  at::Tensor h = torch::cat({x_t, physic_cond}, 1);
  for (const auto& block : *input_blocks) {
    poll_cancel();
    h = block->as<EmbedSequentialImpl>()->forward(h, emb, latent);
    skips.push_back(h);
  }
  h = middle_block->forward(h, emb, latent);
  for (const auto& block : *output_blocks) {
    poll_cancel();
    h = torch::cat({h, skips.back()}, 1);
    skips.pop_back();
    h = block->as<EmbedSequentialImpl>()->forward(h, emb, latent);
  }
  return out->forward(h);
}

} // namespace drig::networks
