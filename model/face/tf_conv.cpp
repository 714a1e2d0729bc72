#include "model/face/tf_conv.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <vector>

namespace drig::face {

at::Tensor conv_same(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                     int stride, int64_t groups) {
  const int64_t k = weight.size(2);
  const auto total = [&](int64_t size) {
    return std::max<int64_t>((size + stride - 1) / stride * stride - stride + k - size, 0);
  };
  const int64_t ph = total(x.size(2)), pw = total(x.size(3));
  at::Tensor input = x;
  std::vector<int64_t> padding = {ph / 2, pw / 2};
  if (ph % 2 != 0 || pw % 2 != 0) {
    input = at::constant_pad_nd(x, {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2});
    padding = {0, 0};
  }
  const std::vector<int64_t> strides = {stride, stride}, dilation = {1, 1};
  // For one image ATen falls back to its single-threaded reference
  // convolution (oneDNN only from batch 16 or for strided ones), several
  // times slower than calling oneDNN directly.
  if (input.device().is_cpu() && input.scalar_type() == at::kFloat && at::hasMKLDNN())
    return at::mkldnn_convolution(input.contiguous(), weight, bias, padding, strides, dilation,
                                  groups);
  return at::conv2d(input, weight, bias, strides, padding, dilation, groups);
}

at::Tensor from_tf_filter(const at::Tensor& hwio) {
  return hwio.permute({3, 2, 0, 1}).contiguous();
}

at::Tensor from_tf_depthwise(const at::Tensor& hwc1) {
  return hwc1.permute({2, 3, 0, 1}).contiguous();
}

} // namespace drig::face
