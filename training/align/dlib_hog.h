#pragma once

#include "training/align/face_types.h"

#include <opencv2/core/mat.hpp>

#include <memory>
#include <vector>

namespace drig::align {

// dlib's HOG frontal face detector run the way the Python binding's
// `detector(img, upsample)` runs it (what the original align.py used):
// `upsample` times pyramid_up on the RGB image, adjust_threshold 0, and each
// box mapped back with pyramid_down<2>::rect_down and rounded. Not thread-safe
// (dlib's scanner keeps state): one per worker.
class HogDetector {
public:
  HogDetector();
  ~HogDetector();
  HogDetector(HogDetector&&) noexcept;
  HogDetector& operator=(HogDetector&&) noexcept;

  // rgb: CV_8UC3, RGB order. Sorted by descending score, as dlib returns them.
  std::vector<DetectedFace> detect(const cv::Mat& rgb, int upsample, double adjust_threshold = 0.0);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::align
