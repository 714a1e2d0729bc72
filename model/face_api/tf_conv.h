#pragma once

// Convolutions of face-api's TensorFlow.js networks on LibTorch tensors
// (NCHW): TensorFlow's 'same' padding and its weight layouts; and the
// bilinear resize face-api feeds its networks with.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace drig::face {

// A convolution with `padding` on every side. For one image on the CPU ATen
// falls back to its single-threaded reference convolution (oneDNN only from
// batch 16 or for strided ones), several times slower than oneDNN, which is
// called directly where LibTorch has it.
at::Tensor conv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int stride,
                int64_t padding, int64_t groups = 1);

// TensorFlow's 'same' padding for a k x k kernel: with stride 2 on an even
// size the extra row and column go at the bottom and right, where PyTorch
// would pad symmetrically. groups = channels makes it depthwise.
at::Tensor conv_same(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                     int stride, int64_t groups = 1);

// tf.image.resizeBilinear as face-api calls it (no align_corners, no
// half-pixel centres, no antialiasing) on an (H, W, C) image: output pixel i
// samples input i * in / out, the last row and column repeated. Float result.
at::Tensor tf_resize_bilinear(const at::Tensor& hwc, int64_t out_h, int64_t out_w);

// TensorFlow filter layouts to PyTorch's (out, in / groups, k, k).
at::Tensor from_tf_filter(const at::Tensor& hwio);    // [k, k, in, out]
at::Tensor from_tf_depthwise(const at::Tensor& hwc1); // [k, k, C, 1]

} // namespace drig::face
