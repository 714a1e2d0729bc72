#pragma once

// The feature extractor that face-api's expression classifier and its
// 68-point landmark network share (@vladmandic/face-api, MIT): four dense
// blocks of depthwise-separable convolutions on a 112x112 face crop,
// average-pooled to 256 features. Each network has its own trained copy.
#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

namespace drig::formats {
struct TfjsWeights;
}

namespace drig::face {

inline constexpr int kDenseFeaturesInput = 112;

class DenseFeatures {
public:
  // The `dense0/conv0` ... `dense3/conv3` weights of `weights`; Error naming
  // the manifest and the weight for anything missing or mis-shaped.
  explicit DenseFeatures(const formats::TfjsWeights& weights);

  // x: face_api_input(rgb, 112, ...), (B, 3, 112, 112). Returns (B, 256).
  at::Tensor forward(at::Tensor x) const;

private:
  // One depthwise-separable convolution (or, first of all, a plain one).
  struct SepConv {
    at::Tensor depthwise; // (C, 1, 3, 3); undefined for the plain first convolution
    at::Tensor pointwise; // (O, C, 1, 1), or the plain (O, C, 3, 3)
    at::Tensor bias;      // (O,)
  };
  static at::Tensor apply(const SepConv& c, const at::Tensor& x, int stride);
  std::vector<std::array<SepConv, 4>> blocks_;
};

} // namespace drig::face
