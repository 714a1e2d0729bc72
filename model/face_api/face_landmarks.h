#pragma once

// face-api's 68-point landmark network (`face_landmark_68_model` in
// @vladmandic/face-api, MIT): the dense-block features of a 112x112 face crop
// and a linear layer to 68 points in the iBUG order dlib uses. It places the
// points on faces turned all the way to profile, where dlib's regression
// trees, trained on the boxes of a frontal detector, keep a frontal shape.
#include "model/face_api/dense_features.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>

namespace drig::face {

inline constexpr int kLandmarkInput = kDenseFeaturesInput;

class FaceLandmarkNet {
public:
  // face_landmark_68_model-weights_manifest.json (+ .bin); Error naming the
  // file and the weight for anything missing or mis-shaped.
  explicit FaceLandmarkNet(const std::filesystem::path& manifest);
  ~FaceLandmarkNet();

  // rgb: (B, 112, 112, 3) float32, 0..255, square face crops. Returns
  // (B, 68, 2): each point's x and y as fractions of the crop's side, as
  // face-api's forward() gives them for a square input.
  at::Tensor forward(const at::Tensor& rgb) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::face
