#pragma once

#include "model/formats/torch_checkpoint.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace drig {

// The architecture of a DiffusionRig model (UNet + latent encoder), as far as
// a checkpoint's keys and shapes determine it. Hyper-parameters that leave no
// trace in the weights (dropout, number of attention heads) keep the
// original defaults; image_size is known only when channel_mult is one of the
// original per-size defaults.
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
  int64_t unet_parameters = 0, encoder_parameters = 0;

  // attention_resolutions as the original's command line writes it ("16"),
  // when image_size is known.
  std::string attention_resolutions() const;
};

// Whether the tensors look like a DiffusionRig state_dict.
bool is_diffusionrig_state_dict(const formats::NamedTensors& tensors);

// Infers the architecture; throws Error naming what is inconsistent.
DiffusionRigConfig infer_diffusionrig_config(const formats::NamedTensors& tensors);

nlohmann::json to_json(const DiffusionRigConfig& config);

} // namespace drig
