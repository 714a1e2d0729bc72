#pragma once

// The facial expression classifier of face-api (`face_expression_model` in
// @vladmandic/face-api, MIT): a small dense-block network on a 112x112 face
// crop, softmax over 7 expressions.
#include "model/face_api/dense_features.h"

#include <ATen/core/Tensor.h>

#include <array>
#include <filesystem>
#include <memory>

namespace drig::face {

inline constexpr int kExpressionInput = kDenseFeaturesInput;
inline constexpr std::array<const char*, 7> kExpressionLabels = {
    "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"};

class FaceExpressionNet {
public:
  // face_expression_model-weights_manifest.json (+ .bin); Error naming the
  // file and the weight for anything missing or mis-shaped.
  explicit FaceExpressionNet(const std::filesystem::path& manifest);
  ~FaceExpressionNet();

  // rgb: (B, 112, 112, 3) float32, 0..255. Returns (B, 7) probabilities in
  // kExpressionLabels order.
  at::Tensor forward(const at::Tensor& rgb) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::face
