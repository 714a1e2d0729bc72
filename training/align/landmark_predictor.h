#pragma once

#include "training/align/face_types.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>
#include <vector>

namespace drig::align {

// dlib's 68-point shape predictor. Loading the 100 MB model takes about a
// second, so one instance is shared by every worker (prediction is const).
class LandmarkPredictor {
public:
  // Throws drig::Error naming the file when it is missing or not a dlib shape
  // predictor.
  explicit LandmarkPredictor(const std::filesystem::path& model);
  ~LandmarkPredictor();

  // rgb: CV_8UC3 RGB. 68 integer points, as dlib's parts() gives them.
  std::vector<cv::Point2d> predict(const cv::Mat& rgb, const Box& box) const;

  // /usr/share/dlib/shape_predictor_68_face_landmarks.dat (Debian libdlib-data).
  static std::filesystem::path default_model_path();

  // The one instance of `model` in this process: loaded on first use and
  // again only when the file changes (size or modification time), so a run
  // over many photos, and every detector the Studio makes, reads it once.
  static std::shared_ptr<const LandmarkPredictor> shared(const std::filesystem::path& model);
  // How many times a model file was read in this process (for tests).
  static int loads();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::align
