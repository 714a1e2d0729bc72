#pragma once

// The detection cascade's SSD stage: face-api's SSD MobileNet v1
// (model/face_api/ssd_face_detector.h) on the detection copy, its boxes mapped
// onto dlib's convention so the landmark predictor sees the crop it expects.
#include "training/align/fallback_passes.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>
#include <vector>

namespace drig::face {
class SsdFaceDetector;
}

namespace drig::align {

class SsdPass {
public:
  // Error naming the manifest when it cannot be loaded.
  explicit SsdPass(const std::filesystem::path& manifest);
  ~SsdPass();

  // `small`: the detection copy (CV_8UC3 RGB), `scale` its full-resolution
  // pixels per pixel, `largest_face` the widest face other passes found
  // there (its pixels). Candidates in full-resolution pixels, best first.
  // On a photo larger than 768 px whose faces are all small (a group) also
  // from 512 px tiles; where no face is found at all, also on the photo
  // zoomed out (a face that fills the frame). Thread-safe.
  std::vector<FaceCandidate> run(const cv::Mat& small, double scale, double largest_face = 0) const;

  // The face-api models folder's manifest (face::default_face_api_dir()).
  static std::filesystem::path default_manifest();

private:
  std::shared_ptr<const face::SsdFaceDetector> net_; // one per model file in the process
};

} // namespace drig::align
