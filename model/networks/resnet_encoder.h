#pragma once

// The latent encoder: torchvision's ResNet-18 (or -50) with `fc` mapped to the
// latent, parameter names as torchvision's, input the raw image in [-1, 1].
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <string>

namespace drig::networks {

struct ResNetEncoderImpl : torch::nn::Module {
  ResNetEncoderImpl(const std::string& type, int64_t latent_dim);
  at::Tensor forward(const at::Tensor& image);

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNetEncoder);

} // namespace drig::networks
