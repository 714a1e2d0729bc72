#pragma once

// DECA's ResnetEncoder (encoders.py:22-40): a torchvision-style ResNet-50
// trunk without fc, then an MLP head. The module names equal the original
// state_dict keys ("encoder.layer1.0.conv1.weight", "layers.2.bias"), so
// deca_model.tar's E_flame / E_detail load as they are.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <cstdint>

namespace drig::face {

// ResNet-50 up to the global 7x7 average pool: (B,3,224,224) -> (B,2048).
struct Resnet50TrunkImpl : torch::nn::Module {
  Resnet50TrunkImpl();
  at::Tensor forward(const at::Tensor& image);

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
};
TORCH_MODULE(Resnet50Trunk);

// Trunk -> Linear(2048,1024) -> ReLU -> Linear(1024,outsize); E_flame has
// outsize 236, E_detail 128.
struct DecaResnetEncoderImpl : torch::nn::Module {
  explicit DecaResnetEncoderImpl(int64_t outsize);
  at::Tensor forward(const at::Tensor& image);

  Resnet50Trunk encoder{nullptr};
  torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(DecaResnetEncoder);

} // namespace drig::face
