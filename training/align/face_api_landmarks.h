#pragma once

// 68 landmarks for the faces only face-api's SSD finds, from face-api's own
// landmark network on the crop face-api would give it. Those are the faces
// dlib's frontal detector misses, many of them turned to profile: dlib's
// landmark model, trained on that detector's boxes, keeps a frontal shape
// there (on a true profile its nose tip lands on the cheek), face-api's
// places the nose tip on the silhouette.
#include "training/align/face_types.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>

namespace drig::face {
class FaceLandmarkNet;
}

namespace drig::align {

class FaceApiLandmarks {
public:
  // Error naming the manifest when it cannot be loaded.
  explicit FaceApiLandmarks(const std::filesystem::path& manifest);
  ~FaceApiLandmarks();

  // rgb: CV_8UC3 RGB; `box`: the SSD's box in its pixels. As face-api does:
  // the box clipped to the image, padded to a square with black, resized to
  // 112 px without half-pixel offsets. Landmarks in rgb's pixels. Thread-safe.
  std::vector<cv::Point2d> predict(const cv::Mat& rgb, const cv::Rect2d& box) const;

  // face_landmark_68_model in the face-api models folder.
  static std::filesystem::path default_manifest();

private:
  std::shared_ptr<const face::FaceLandmarkNet> net_; // one per model file in the process
};

} // namespace drig::align
