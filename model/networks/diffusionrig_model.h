#pragma once

#include "model/formats/torch_checkpoint.h"
#include "model/networks/resnet_encoder.h"
#include "model/networks/unet.h"

namespace drig::networks {

// The whole model: state_dict prefixes "denoisingUNet." and "encoder." as the original.
struct DiffusionRigImpl : torch::nn::Module {
  explicit DiffusionRigImpl(const DiffusionRigConfig& config);
  // The encoder's latent of an image in [-1, 1] (callers choose eval/train mode).
  at::Tensor encode(const at::Tensor& image) { return encoder->forward(image); }

  UNet denoisingUNet{nullptr};
  ResNetEncoder encoder{nullptr};
};
TORCH_MODULE(DiffusionRig);

// load_state_dict semantics (strict): every parameter and buffer must be in
// `tensors` with its shape, and nothing else; otherwise Error lists the
// missing, unexpected and mis-shaped keys.
void load_state_dict(torch::nn::Module& module, const formats::NamedTensors& tensors,
                     const std::string& source);
// Parameters and buffers in registration order, as state_dict() would list them.
formats::NamedTensors state_dict(const torch::nn::Module& module);

} // namespace drig::networks
