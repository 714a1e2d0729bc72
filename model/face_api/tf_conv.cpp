#include "model/face_api/tf_conv.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <tuple>
#include <vector>

namespace drig::face {

at::Tensor conv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int stride,
                int64_t padding, int64_t groups) {
  const std::vector<int64_t> pad = {padding, padding}, strides = {stride, stride},
                             dilation = {1, 1};
  if (x.device().is_cpu() && x.scalar_type() == at::kFloat && at::hasMKLDNN())
    return at::mkldnn_convolution(x.contiguous(), weight, bias, pad, strides, dilation, groups);
  return at::conv2d(x, weight, bias, strides, pad, dilation, groups);
}

at::Tensor conv_same(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                     int stride, int64_t groups) {
  const int64_t k = weight.size(2);
  const auto total = [&](int64_t size) {
    return std::max<int64_t>((size + stride - 1) / stride * stride - stride + k - size, 0);
  };
  const int64_t ph = total(x.size(2)), pw = total(x.size(3));
  // Symmetric where it can be (ph == pw for square kernels on square maps);
  // TensorFlow's extra bottom/right row and column need an explicit pad.
  if (ph % 2 == 0 && ph == pw)
    return conv(x, weight, bias, stride, ph / 2, groups);
  return conv(at::constant_pad_nd(x, {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2}), weight, bias,
              stride, 0, groups);
}

at::Tensor tf_resize_bilinear(const at::Tensor& hwc, int64_t out_h, int64_t out_w) {
  const auto samples = [](int64_t in, int64_t out) {
    const at::Tensor pos = at::arange(out, at::kDouble) * (double(in) / double(out));
    const at::Tensor lo = at::clamp_max(at::floor(pos).to(at::kLong), in - 1);
    const at::Tensor hi = at::clamp_max(lo + 1, in - 1);
    return std::make_tuple(lo, hi, (pos - lo.to(at::kDouble)).to(at::kFloat));
  };
  const at::Tensor image = hwc.to(at::kFloat);
  const auto [y0, y1, fy] = samples(image.size(0), out_h);
  const auto [x0, x1, fx] = samples(image.size(1), out_w);
  const at::Tensor rows =
      image.index_select(0, y0) +
      (image.index_select(0, y1) - image.index_select(0, y0)) * fy.view({out_h, 1, 1});
  return rows.index_select(1, x0) +
         (rows.index_select(1, x1) - rows.index_select(1, x0)) * fx.view({1, out_w, 1});
}

at::Tensor from_tf_filter(const at::Tensor& hwio) {
  return hwio.permute({3, 2, 0, 1}).contiguous();
}

at::Tensor from_tf_depthwise(const at::Tensor& hwc1) {
  return hwc1.permute({2, 3, 0, 1}).contiguous();
}

} // namespace drig::face
