#include "model/diffusionrig_config.h"

#include "model/base/error.h"

#include <torch/torch.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

namespace drig {
namespace {

using Shapes = std::map<std::string, std::vector<int64_t>, std::less<>>;

const std::vector<int64_t>* shape_of(const Shapes& shapes, const std::string& key) {
  auto it = shapes.find(key);
  return it == shapes.end() ? nullptr : &it->second;
}

int64_t dim(const Shapes& shapes, const std::string& key, size_t d) {
  const auto* shape = shape_of(shapes, key);
  DRIG_CHECK(shape && shape->size() > d, "checkpoint lacks {} (or its dimension {})", key, d);
  return (*shape)[d];
}

bool has_prefix(const Shapes& shapes, const std::string& prefix) {
  auto it = shapes.lower_bound(prefix);
  return it != shapes.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

int count_blocks(const Shapes& shapes, const std::string& prefix) {
  int n = 0;
  while (has_prefix(shapes, fmt::format("{}{}.", prefix, n)))
    ++n;
  return n;
}

} // namespace

// The original's channel_mult defaults per image size (utils/script_util.py).
const std::vector<std::pair<int, std::vector<double>>>& default_mults() {
  static const std::vector<std::pair<int, std::vector<double>>> table = {
      {512, {0.5, 1, 1, 2, 2, 4, 4}},
      {256, {1, 1, 2, 2, 4, 4}},
      {128, {1, 1, 2, 3, 4}},
      {64, {1, 2, 3, 4}}};
  return table;
}

bool is_diffusionrig_state_dict(const formats::NamedTensors& tensors) {
  bool unet = false, encoder = false;
  for (const auto& [name, tensor] : tensors) {
    unet = unet || name == "denoisingUNet.input_blocks.0.0.weight";
    encoder = encoder || name.rfind("encoder.", 0) == 0;
  }
  return unet && encoder;
}

std::string DiffusionRigConfig::attention_resolutions() const {
  if (image_size == 0)
    return {};
  std::string out;
  for (int ds : attention_ds)
    out += (out.empty() ? "" : ",") + std::to_string(image_size / ds);
  return out;
}

DiffusionRigConfig infer_diffusionrig_config(const formats::NamedTensors& tensors) {
  Shapes shapes;
  DiffusionRigConfig c;
  for (const auto& [name, tensor] : tensors) {
    shapes[name] = tensor.sizes().vec();
    if (tensor.is_floating_point() && name.find("running_") == std::string::npos) {
      if (name.rfind("denoisingUNet.", 0) == 0)
        c.unet_parameters += tensor.numel();
      else if (name.rfind("encoder.", 0) == 0)
        c.encoder_parameters += tensor.numel();
    }
  }
  const std::string u = "denoisingUNet.";
  c.model_channels = static_cast<int>(dim(shapes, u + "input_blocks.0.0.weight", 0));
  c.in_channels = static_cast<int>(dim(shapes, u + "input_blocks.0.0.weight", 1));
  const int64_t out = dim(shapes, u + "out.2.weight", 0);
  c.learn_sigma = out == 6;
  c.out_channels = 3;
  c.latent_dim = static_cast<int>(dim(shapes, "encoder.fc.weight", 0));
  c.encoder_type = shape_of(shapes, "encoder.layer1.0.conv3.weight") ? "resnet50" : "resnet18";

  // Output blocks: num_res_blocks + 1 per level, the last of each level but
  // the final one ends with an upsampler (a ResBlock or a conv) after index 0/1.
  const int n_out = count_blocks(shapes, u + "output_blocks.");
  int upsamplers = 0;
  c.resblock_updown = false;
  for (int k = 0; k < n_out; ++k)
    for (int j = 1; j <= 2; ++j) {
      const std::string p = fmt::format("{}output_blocks.{}.{}.", u, k, j);
      if (shape_of(shapes, p + "in_layers.0.weight")) {
        ++upsamplers;
        c.resblock_updown = true;
      } else if (shape_of(shapes, p + "conv.weight")) {
        ++upsamplers;
      }
    }
  const int levels = upsamplers + 1;
  DRIG_CHECK(n_out > 0 && n_out % levels == 0,
             "checkpoint UNet has {} output blocks, which does not fit {} levels", n_out, levels);
  c.num_res_blocks = n_out / levels - 1;
  DRIG_CHECK(count_blocks(shapes, u + "input_blocks.") == n_out,
             "checkpoint UNet has {} input blocks but {} output blocks",
             count_blocks(shapes, u + "input_blocks."), n_out);

  c.channel_mult.clear();
  c.attention_ds.clear();
  int block = 1;
  for (int level = 0; level < levels; ++level) {
    const std::string first = fmt::format("{}input_blocks.{}.", u, block);
    const int64_t ch = dim(shapes, first + "0.out_layers.3.weight", 0);
    c.channel_mult.push_back(double(ch) / c.model_channels);
    if (shape_of(shapes, first + "1.qkv.weight"))
      c.attention_ds.push_back(1 << level);
    block += c.num_res_blocks + (level + 1 < levels ? 1 : 0);
  }
  const int64_t emb = dim(shapes, u + "input_blocks.1.0.emb_layers.1.weight", 0);
  c.use_scale_shift_norm = emb == 2 * int64_t(c.channel_mult[0] * c.model_channels);
  c.image_size = 0;
  for (const auto& [size, mult] : default_mults())
    if (mult == c.channel_mult)
      c.image_size = size;
  validate(c);
  return c;
}

void validate(const DiffusionRigConfig& c) {
  // Without scale-shift the original adds the latent's 2*C FiLM output to C
  // channels, which fails at the first forward: no usable model has it.
  DRIG_CHECK(c.use_scale_shift_norm,
             "use_scale_shift_norm=False cannot run in the original DiffusionRig code (its latent "
             "layer has 2x the channels it is added to), so no such model exists");
  DRIG_CHECK(c.dropout >= 0 && c.dropout < 1, "dropout must be in [0, 1), got {}", c.dropout);
  DRIG_CHECK(c.num_head_channels == -1 || c.num_head_channels > 0,
             "num_head_channels must be -1 or positive, got {}", c.num_head_channels);
  DRIG_CHECK(c.num_heads > 0, "num_heads must be positive, got {}", c.num_heads);
  DRIG_CHECK(c.num_heads_upsample == -1 || c.num_heads_upsample > 0,
             "num_heads_upsample must be -1 or positive, got {}", c.num_heads_upsample);
  const int up_heads = c.num_heads_upsample == -1 ? c.num_heads : c.num_heads_upsample;
  for (double mult : c.channel_mult) {
    const int ch = static_cast<int>(mult * c.model_channels);
    DRIG_CHECK(ch % 32 == 0, "{} channels at a level: GroupNorm(32) needs a multiple of 32", ch);
    if (c.num_head_channels > 0)
      DRIG_CHECK(ch % c.num_head_channels == 0,
                 "num_head_channels {} does not divide the {} channels of a level",
                 c.num_head_channels, ch);
    else
      DRIG_CHECK(ch % c.num_heads == 0 && ch % up_heads == 0,
                 "{} attention heads do not divide the {} channels of a level",
                 std::max(c.num_heads, up_heads), ch);
  }
}

nlohmann::json to_json(const DiffusionRigConfig& c) {
  return {{"image_size", c.image_size == 0 ? nlohmann::json() : nlohmann::json(c.image_size)},
          {"in_channels", c.in_channels},
          {"num_channels", c.model_channels},
          {"num_res_blocks", c.num_res_blocks},
          {"channel_mult", c.channel_mult},
          {"attention_ds", c.attention_ds},
          {"attention_resolutions", c.attention_resolutions()},
          {"learn_sigma", c.learn_sigma},
          {"use_scale_shift_norm", c.use_scale_shift_norm},
          {"resblock_updown", c.resblock_updown},
          {"latent_dim", c.latent_dim},
          {"dropout", c.dropout},
          {"num_heads", c.num_heads},
          {"num_head_channels", c.num_head_channels},
          {"num_heads_upsample", c.num_heads_upsample},
          {"use_new_attention_order", c.new_attention_order},
          {"encoder_type", c.encoder_type},
          {"unet_parameters", c.unet_parameters},
          {"encoder_parameters", c.encoder_parameters}};
}

} // namespace drig
