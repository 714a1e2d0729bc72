#include "model/networks/resnet_encoder.h"

#include "model/base/error.h"

#include <torch/torch.h>

namespace drig::networks {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(padding).bias(false));
}

// BasicBlock (ResNet-18) or Bottleneck (ResNet-50, stride in the 3x3 conv).
struct BlockImpl : nn::Module {
  BlockImpl(int64_t in, int64_t planes, int64_t stride, bool bottleneck) : bottleneck(bottleneck) {
    const int64_t out = bottleneck ? planes * 4 : planes;
    if (bottleneck) {
      conv1 = register_module("conv1", conv(in, planes, 1, 1, 0));
      bn1 = register_module("bn1", nn::BatchNorm2d(planes));
      conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
      bn2 = register_module("bn2", nn::BatchNorm2d(planes));
      conv3 = register_module("conv3", conv(planes, out, 1, 1, 0));
      bn3 = register_module("bn3", nn::BatchNorm2d(out));
    } else {
      conv1 = register_module("conv1", conv(in, planes, 3, stride, 1));
      bn1 = register_module("bn1", nn::BatchNorm2d(planes));
      conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
      bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    }
    if (stride != 1 || in != out)
      downsample = register_module(
          "downsample", nn::Sequential(conv(in, out, 1, stride, 0), nn::BatchNorm2d(out)));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = torch::relu(bn1->forward(conv1->forward(x)));
    h = bn2->forward(conv2->forward(h));
    if (bottleneck)
      h = bn3->forward(conv3->forward(torch::relu(h)));
    return torch::relu(h + (downsample ? downsample->forward(x) : x));
  }
  bool bottleneck;
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Block);

} // namespace

ResNetEncoderImpl::ResNetEncoderImpl(const std::string& type, int64_t latent_dim) {
  DRIG_CHECK(type == "resnet18" || type == "resnet50",
             "unknown encoder_type '{}' (expected resnet18 or resnet50)", type);
  const bool bottleneck = type == "resnet50";
  const std::vector<int64_t> counts =
      bottleneck ? std::vector<int64_t>{3, 4, 6, 3} : std::vector<int64_t>{2, 2, 2, 2};
  conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  int64_t in = 64;
  nn::Sequential* layers[] = {&layer1, &layer2, &layer3, &layer4};
  for (int i = 0; i < 4; ++i) {
    const int64_t planes = 64 << i;
    nn::Sequential layer;
    for (int64_t b = 0; b < counts[i]; ++b) {
      layer->push_back(Block(in, planes, b == 0 && i > 0 ? 2 : 1, bottleneck));
      in = bottleneck ? planes * 4 : planes;
    }
    *layers[i] = register_module("layer" + std::to_string(i + 1), layer);
  }
  fc = register_module("fc", nn::Linear(in, latent_dim));
}

at::Tensor ResNetEncoderImpl::forward(const at::Tensor& image) {
  at::Tensor h = torch::relu(bn1->forward(conv1->forward(image)));
  h = torch::max_pool2d(h, 3, 2, 1);
  h = layer4->forward(layer3->forward(layer2->forward(layer1->forward(h))));
  h = torch::adaptive_avg_pool2d(h, {1, 1}).flatten(1);
  return fc->forward(h);
}

} // namespace drig::networks
