#pragma once

// face-api's face detector (`ssd_mobilenetv1_model` in @vladmandic/face-api,
// MIT): an SSD on a MobileNet v1 at 512x512, 5118 anchors over six feature
// maps, one "face" class. Good where dlib's HOG is weak: small, turned,
// partly hidden and badly lit faces.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace drig::face {

inline constexpr int kSsdInput = 512;
inline constexpr const char* kSsdManifest = "ssd_mobilenetv1_model-weights_manifest.json";

struct SsdFace {
  // Source pixels, as face-api reports them (boxes may reach past the
  // image's right or bottom edge into the square's padding).
  double left = 0, top = 0, right = 0, bottom = 0;
  double score = 0;
};

struct SsdOutput {
  at::Tensor boxes;  // (B, 5118, 4): ymin, xmin, ymax, xmax of the padded square, 0..1
  at::Tensor scores; // (B, 5118): face probability
};

class SsdFaceDetector {
public:
  // The manifest (+ its .bin); Error naming the file and the weight for
  // anything missing or mis-shaped.
  explicit SsdFaceDetector(const std::filesystem::path& manifest);
  ~SsdFaceDetector();
  SsdFaceDetector(SsdFaceDetector&&) noexcept;

  // What face-api feeds the network: rgb (H, W, 3) uint8 padded with black at
  // the bottom or right to a square, resized to 512x512 with TensorFlow's
  // bilinear (no half-pixel offset, no antialiasing). Returns (1, 512, 512, 3)
  // float, 0..255.
  static at::Tensor input(const at::Tensor& rgb);

  // x: (B, 512, 512, 3) float, 0..255. Thread-safe.
  SsdOutput forward(const at::Tensor& x) const;

  // Faces of rgb (H, W, 3) uint8 above min_score after face-api's
  // non-maximum suppression (IoU 0.5), best first. `clip` as face-api does
  // (boxes start at 0); unclipped, a face cut by the frame keeps its size.
  // Thread-safe.
  std::vector<SsdFace> detect(const at::Tensor& rgb, double min_score = 0.5, int max_faces = 100,
                              bool clip = true) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::face
