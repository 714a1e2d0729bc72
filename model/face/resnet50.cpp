#include "model/face/resnet50.h"

#include <torch/torch.h>

namespace drig::face {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(padding).bias(false));
}

// torchvision's Bottleneck (expansion 4). DECA's copy puts the stride in the
// 3x3 conv (resnet.py:82-118), as torchvision >= 0.5 does.
struct BottleneckImpl : nn::Module {
  BottleneckImpl(int64_t in, int64_t planes, int64_t stride) {
    const int64_t out = planes * 4;
    conv1 = register_module("conv1", conv(in, planes, 1, 1, 0));
    bn1 = register_module("bn1", nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
    bn2 = register_module("bn2", nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, out, 1, 1, 0));
    bn3 = register_module("bn3", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
      downsample = register_module(
          "downsample", nn::Sequential(conv(in, out, 1, stride, 0), nn::BatchNorm2d(out)));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = torch::relu(bn1->forward(conv1->forward(x)));
    h = torch::relu(bn2->forward(conv2->forward(h)));
    h = bn3->forward(conv3->forward(h));
    return torch::relu(h + (downsample ? downsample->forward(x) : x));
  }
  nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

} // namespace

Resnet50TrunkImpl::Resnet50TrunkImpl() {
  conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  const int64_t counts[] = {3, 4, 6, 3};
  nn::Sequential* stages[] = {&layer1, &layer2, &layer3, &layer4};
  int64_t in = 64;
  for (int i = 0; i < 4; ++i) {
    const int64_t planes = int64_t{64} << i;
    nn::Sequential stage;
    for (int64_t b = 0; b < counts[i]; ++b) {
      stage->push_back(Bottleneck(in, planes, b == 0 && i > 0 ? 2 : 1));
      in = planes * 4;
    }
    *stages[i] = register_module("layer" + std::to_string(i + 1), stage);
  }
}

at::Tensor Resnet50TrunkImpl::forward(const at::Tensor& image) {
  at::Tensor h = torch::relu(bn1->forward(conv1->forward(image)));
  h = torch::max_pool2d(h, 3, 2, 1);
  h = layer4->forward(layer3->forward(layer2->forward(layer1->forward(h))));
  // AvgPool2d(7) as the original (resnet.py:36), not an adaptive pool: other
  // input sizes then fail or differ exactly as they would there.
  h = torch::avg_pool2d(h, 7, 1);
  return h.reshape({h.size(0), -1});
}

DecaResnetEncoderImpl::DecaResnetEncoderImpl(int64_t outsize) {
  encoder = register_module("encoder", Resnet50Trunk());
  layers = register_module(
      "layers", nn::Sequential(nn::Linear(2048, 1024), nn::ReLU(), nn::Linear(1024, outsize)));
}

at::Tensor DecaResnetEncoderImpl::forward(const at::Tensor& image) {
  return layers->forward(encoder->forward(image));
}

} // namespace drig::face
