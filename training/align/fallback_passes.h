#pragma once

#include "training/align/face_types.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace drig::align {

class HogDetector;

// A face found by a fallback pass, in full-resolution source pixels, as an
// oriented square: landmarks are predicted on a crop rotated upright.
struct FaceCandidate {
  cv::Point2d centre;
  double size = 0.0;  // side of dlib's box, source pixels
  double angle = 0.0; // degrees the head is tilted (counter-clockwise in the image)
  double score = 0.0;
  std::string detector;
  // The detector's own box, source pixels, where a landmark model was trained
  // on its crops (face-api's SSD); empty otherwise.
  cv::Rect2d box;
};

// Per-thread state of the fallback passes (OpenCV's cascades are not
// thread-safe either).
class FallbackPasses {
public:
  explicit FallbackPasses(const std::filesystem::path& cascade_dir);
  ~FallbackPasses();

  // `small` is the detection copy, `scale` its full-resolution pixels per
  // pixel. Runs the passes in order and returns what the first successful one
  // found.
  std::vector<FaceCandidate> run(const cv::Mat& small, double scale, HogDetector& hog);

  static std::filesystem::path default_cascade_dir();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::align
