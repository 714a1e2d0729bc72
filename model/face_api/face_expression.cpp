#include "model/face_api/face_expression.h"

#include "model/base/error.h"
#include "model/face_api/face_descriptor.h"
#include "model/face_api/tf_conv.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace drig::face {

namespace {

// One depthwise-separable convolution (or, first of all, a plain one).
struct SepConv {
  at::Tensor depthwise; // (C, 1, 3, 3); undefined for the plain first convolution
  at::Tensor pointwise; // (O, C, 1, 1), or the plain (O, C, 3, 3)
  at::Tensor bias;      // (O,)
};

at::Tensor apply(const SepConv& c, const at::Tensor& x, int stride) {
  if (!c.depthwise.defined())
    return conv_same(x, c.pointwise, c.bias, stride);
  const at::Tensor dw = conv_same(x, c.depthwise, at::Tensor(), stride, x.size(1));
  return conv_same(dw, c.pointwise, c.bias, 1);
}

} // namespace

struct FaceExpressionNet::Impl {
  std::vector<std::array<SepConv, 4>> blocks;
  at::Tensor fc_weight, fc_bias; // (256, 7), (7,)
};

FaceExpressionNet::FaceExpressionNet(const std::filesystem::path& manifest)
    : impl_(std::make_unique<Impl>()) {
  const formats::TfjsWeights w = formats::load_tfjs_weights(manifest);
  const int channels[] = {32, 64, 128, 256};
  int in = 3;
  for (int b = 0; b < 4; ++b) {
    const int out = channels[b];
    std::array<SepConv, 4> block;
    for (int k = 0; k < 4; ++k) {
      const std::string p = "dense" + std::to_string(b) + "/conv" + std::to_string(k);
      const int cin = k == 0 ? in : out;
      SepConv c;
      if (b == 0 && k == 0) {
        c.pointwise = from_tf_filter(w.get(p + "/filters", {3, 3, cin, out}));
      } else {
        c.depthwise = from_tf_depthwise(w.get(p + "/depthwise_filter", {3, 3, cin, 1}));
        c.pointwise = from_tf_filter(w.get(p + "/pointwise_filter", {1, 1, cin, out}));
      }
      c.bias = w.get(p + "/bias", {out}).contiguous();
      block[size_t(k)] = c;
    }
    impl_->blocks.push_back(block);
    in = out;
  }
  impl_->fc_weight = w.get("fc/weights", {256, 7}).contiguous();
  impl_->fc_bias = w.get("fc/bias", {7}).contiguous();
}

FaceExpressionNet::~FaceExpressionNet() = default;

at::Tensor FaceExpressionNet::forward(const at::Tensor& rgb) const {
  at::Tensor x = face_api_input(rgb, kExpressionInput, "face expression");
  for (const auto& b : impl_->blocks) {
    // A dense block: every later convolution sees the sum of the earlier ones.
    const at::Tensor out1 = at::relu(apply(b[0], x, 2));
    const at::Tensor out2 = apply(b[1], out1, 1);
    const at::Tensor out3 = apply(b[2], at::relu(out1 + out2), 1);
    const at::Tensor out4 = apply(b[3], at::relu(out1 + out2 + out3), 1);
    x = at::relu(out1 + out2 + out3 + out4);
  }
  x = at::avg_pool2d(x, {7, 7}, {2, 2}); // 7x7 -> 1x1
  const at::Tensor logits = at::matmul(x.flatten(1), impl_->fc_weight) + impl_->fc_bias;
  return at::softmax(logits, 1);
}

} // namespace drig::face
