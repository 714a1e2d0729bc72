#include "model/face_api/dense_features.h"

#include "model/face_api/tf_conv.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

#include <string>

namespace drig::face {

DenseFeatures::DenseFeatures(const formats::TfjsWeights& w) {
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
    blocks_.push_back(block);
    in = out;
  }
}

at::Tensor DenseFeatures::apply(const SepConv& c, const at::Tensor& x, int stride) {
  if (!c.depthwise.defined())
    return conv_same(x, c.pointwise, c.bias, stride);
  const at::Tensor dw = conv_same(x, c.depthwise, at::Tensor(), stride, x.size(1));
  return conv_same(dw, c.pointwise, c.bias, 1);
}

at::Tensor DenseFeatures::forward(at::Tensor x) const {
  for (const auto& b : blocks_) {
    // A dense block: every later convolution sees the sum of the earlier ones.
    const at::Tensor out1 = at::relu(apply(b[0], x, 2));
    const at::Tensor out2 = apply(b[1], out1, 1);
    const at::Tensor out3 = apply(b[2], at::relu(out1 + out2), 1);
    const at::Tensor out4 = apply(b[3], at::relu(out1 + out2 + out3), 1);
    x = at::relu(out1 + out2 + out3 + out4);
  }
  return at::avg_pool2d(x, {7, 7}, {2, 2}).flatten(1); // 7x7 -> 1x1
}

} // namespace drig::face
