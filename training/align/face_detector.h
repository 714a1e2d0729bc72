#pragma once

#include "training/align/face_types.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>
#include <vector>

namespace drig {
class OptionCheck;
}

namespace drig::align {

struct DetectorOptions {
  std::filesystem::path landmark_model; // empty: LandmarkPredictor::default_model_path()
  // Photos up to this size are searched exactly as the original does, at full
  // resolution (all the reference photos are below it, so there boxes and
  // landmarks equal the original's)...
  double exact_megapixels = 4.5;
  // ...larger ones on a copy downscaled to this size: the original's cost
  // grows with the pixels (a 12 MP photo is searched at 48 MP), and a
  // portrait's face is big. Landmarks still come from full resolution.
  double detect_megapixels = 1.0;
  // face-api's SSD detector after the other passes, adding the faces they
  // missed (theirs stay as they are). Used when its model is installed;
  // `ssd_model` names another manifest (then required).
  bool ssd = true;
  std::filesystem::path ssd_model;
  // The SSD's faces get face-api's 68 landmarks (its manifest beside the
  // SSD's), which follow a face turned to profile; without that model, or
  // with this off, dlib's, on a crop levelled by the eyes.
  bool ssd_face_api_landmarks = true;
  // Extra passes when the original detector finds nothing.
  bool fallbacks = true;
  // OpenCV's cascades (opencv-data); empty: the Debian location.
  std::filesystem::path cascade_dir;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// The original align.py detector (dlib HOG, upsampled once) as the first pass,
// then, only when it finds nothing, passes that catch what it misses: small
// faces (two upsamplings), faces cut by the frame (padded copy), tilted heads
// (rotated copies) and profiles (OpenCV's frontal and profile cascades, both
// directions); last face-api's SSD, adding the faces all those missed (in
// group photos: masked, dark, small). Each face says which pass found it.
// Thread-safe: per-thread detector state is pooled internally.
class FaceDetector {
public:
  explicit FaceDetector(DetectorOptions options = {});
  ~FaceDetector();
  FaceDetector(const FaceDetector&) = delete;
  FaceDetector& operator=(const FaceDetector&) = delete;

  // rgb: CV_8UC3 RGB, full resolution. Faces with 68 landmarks, largest first.
  std::vector<DetectedFace> detect(const cv::Mat& rgb) const;

  const DetectorOptions& options() const { return options_; }
  // Whether the SSD stage runs (its model was found).
  bool has_ssd() const;

private:
  struct Workers;
  DetectorOptions options_;
  std::unique_ptr<Workers> workers_;
};

} // namespace drig::align
