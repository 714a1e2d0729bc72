#pragma once

#include <opencv2/core/types.hpp>

#include <array>
#include <string>
#include <vector>

namespace drig::align {

// dlib's rectangle convention: inclusive corners, in source pixels; may extend
// past the image edge.
struct Box {
  long left = 0, top = 0, right = 0, bottom = 0;
  long width() const { return right - left + 1; }
  long height() const { return bottom - top + 1; }
  double area() const { return double(width()) * double(height()); }
};

// Intersection over union of two inclusive boxes.
double iou(const Box& a, const Box& b);

struct DetectedFace {
  Box box;
  double score = 0.0;                     // detector confidence (its own scale per detector)
  std::string detector;                   // which pass found it, e.g. "dlib-hog", "opencv-profile"
  std::vector<cv::Point2d> landmarks;     // 68 points, dlib's iBUG order, source pixels
  std::string landmark_model = "dlib-68"; // or "face-api-68" (faces only face-api's SSD found)
};

} // namespace drig::align
