#pragma once

#include "model/formats/torch_checkpoint.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace drig {

// The architecture of a DiffusionRig model (UNet + latent encoder), as far as
// a checkpoint's keys and shapes determine it. Hyper-parameters that leave no
// trace in the weights (dropout, attention heads and order) keep the
// original defaults unless a JSON config sets them; image_size is known only
// when channel_mult is one of the original per-size defaults.
struct DiffusionRigConfig {
  int image_size = 0; // 0 = not determined by the weights
  int in_channels = 12;
  int model_channels = 128;
  int out_channels = 3;
  int num_res_blocks = 2;
  std::vector<double> channel_mult = {1, 1, 2, 2, 4, 4};
  std::vector<int> attention_ds = {16}; // downsampling factors with attention
  bool learn_sigma = false;
  bool use_scale_shift_norm = true;
  bool resblock_updown = true;
  int latent_dim = 64;
  std::string encoder_type = "resnet18";
  double dropout = 0.1;             // active in training only
  int num_heads = 1;                // attention heads, unless num_head_channels is set
  int num_head_channels = -1;       // > 0: heads = channels / num_head_channels
  int num_heads_upsample = -1;      // output blocks; -1 = num_heads
  bool new_attention_order = false; // QKVAttention (split q,k,v first) vs legacy
  int64_t unet_parameters = 0, encoder_parameters = 0;

  // attention_resolutions as the original's command line writes it ("16"),
  // when image_size is known.
  std::string attention_resolutions() const;
};

// The original's channel_mult defaults per image size (512, 256, 128, 64).
const std::vector<std::pair<int, std::vector<double>>>& default_mults();

// A new model's configuration from the original's argument names (train.py
// flags: image_size, num_channels, channel_mult, attention_resolutions, ...),
// unset ones at the original's defaults. Error naming `source` for unknown
// names or values the original would reject.
DiffusionRigConfig config_from_arguments(const nlohmann::json& arguments,
                                         const std::string& source);

// Whether the tensors look like a DiffusionRig state_dict.
bool is_diffusionrig_state_dict(const formats::NamedTensors& tensors);

// Infers the architecture; throws Error naming what is inconsistent.
DiffusionRigConfig infer_diffusionrig_config(const formats::NamedTensors& tensors);

// Applies a JSON object with the original's argument names (train.py's
// args, e.g. a run's config.json). Keys the weights already determine must
// agree with them; training-only keys are ignored; unknown keys are an error.
// `source` names the file in messages.
void apply_config_json(DiffusionRigConfig& config, const nlohmann::json& json,
                       const std::string& source);
void apply_config_file(DiffusionRigConfig& config, const std::string& path);

// Throws Error when the original code could not build or run this
// configuration (e.g. a head width that does not divide the channels).
void validate(const DiffusionRigConfig& config);

nlohmann::json to_json(const DiffusionRigConfig& config);

} // namespace drig
