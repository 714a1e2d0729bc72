#include "model/face_api/face_landmarks.h"

#include "model/face_api/face_descriptor.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

namespace drig::face {

struct FaceLandmarkNet::Impl {
  explicit Impl(const formats::TfjsWeights& w)
      : features(w), fc_weight(w.get("fc/weights", {256, 136}).contiguous()),
        fc_bias(w.get("fc/bias", {136}).contiguous()) {}
  DenseFeatures features;
  at::Tensor fc_weight, fc_bias; // (256, 136), (136,): x0, y0, x1, y1, ...
};

FaceLandmarkNet::FaceLandmarkNet(const std::filesystem::path& manifest)
    : impl_(std::make_unique<Impl>(formats::load_tfjs_weights(manifest))) {}

FaceLandmarkNet::~FaceLandmarkNet() = default;

at::Tensor FaceLandmarkNet::forward(const at::Tensor& rgb) const {
  const at::Tensor x =
      impl_->features.forward(face_api_input(rgb, kLandmarkInput, "face landmarks"));
  return (at::matmul(x, impl_->fc_weight) + impl_->fc_bias).view({-1, 68, 2});
}

} // namespace drig::face
