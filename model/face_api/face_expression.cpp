#include "model/face_api/face_expression.h"

#include "model/face_api/dense_features.h"
#include "model/face_api/face_descriptor.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

namespace drig::face {

struct FaceExpressionNet::Impl {
  explicit Impl(const formats::TfjsWeights& w)
      : features(w), fc_weight(w.get("fc/weights", {256, 7}).contiguous()),
        fc_bias(w.get("fc/bias", {7}).contiguous()) {}
  DenseFeatures features;
  at::Tensor fc_weight, fc_bias; // (256, 7), (7,)
};

FaceExpressionNet::FaceExpressionNet(const std::filesystem::path& manifest)
    : impl_(std::make_unique<Impl>(formats::load_tfjs_weights(manifest))) {}

FaceExpressionNet::~FaceExpressionNet() = default;

at::Tensor FaceExpressionNet::forward(const at::Tensor& rgb) const {
  const at::Tensor x =
      impl_->features.forward(face_api_input(rgb, kExpressionInput, "face expression"));
  return at::softmax(at::matmul(x, impl_->fc_weight) + impl_->fc_bias, 1);
}

} // namespace drig::face
