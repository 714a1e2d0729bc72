#pragma once

// The face descriptor of dlib's face recognition ResNet (29 conv layers,
// 128-d output, trained for metric learning), as ported to TensorFlow.js by
// face-api (`face_recognition_model` in @vladmandic/face-api, MIT). Two
// descriptors of one person lie within euclidean distance ~0.6.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace drig::face {

inline constexpr int kDescriptorInput = 150;       // the network's input size
inline constexpr double kSamePersonDistance = 0.6; // dlib's / face-api's threshold

class FaceDescriptorNet {
public:
  // face_recognition_model-weights_manifest.json (+ its .bin); Error naming
  // the file and the weight for anything missing or mis-shaped.
  explicit FaceDescriptorNet(const std::filesystem::path& manifest);
  ~FaceDescriptorNet();
  FaceDescriptorNet(FaceDescriptorNet&&) noexcept;

  // rgb: (B, 150, 150, 3) float32, values 0..255 (as face-api feeds it).
  // Returns (B, 128).
  at::Tensor forward(const at::Tensor& rgb) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What face-api's networks take: rgb (B, size, size, 3), 0..255, minus its
// mean colour, / 255, as (B, 3, size, size). Error naming `net` otherwise.
at::Tensor face_api_input(const at::Tensor& rgb, int size, const char* net);

// 1 - euclidean distance: higher is more similar; >= 1 - 0.6 = same person.
double descriptor_similarity(const at::Tensor& a, const at::Tensor& b);

} // namespace drig::face
