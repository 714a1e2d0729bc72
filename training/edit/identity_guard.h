#pragma once

// The identity guard: how much an edited face still looks like the person.
// One 128-d descriptor per face (face-api's port of dlib's recognition
// network, model/face_api/face_descriptor.h) from the face-api models the user
// installed (`packaging/bootstrap.sh` fetches them from npm); the program
// never downloads them.
#include "model/base/progress.h"
#include "model/face_api/face_api_models.h"
#include "model/face_api/face_descriptor.h"
#include "model/face_api/face_expression.h"

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace drig::align {
class FaceDetector;
}
namespace drig::editing {
struct PreparedPhoto;
}

namespace drig::identity {

// Where the face-api model files are (face::default_face_api_dir()).
std::filesystem::path default_models_dir();
using face::kDescriptorManifest;

// face-api's crop for the descriptor: the landmarks' bounding box grown by
// 20 %, cut from the image (clipped at its borders), padded to a centred
// square with black and resized to 150x150 with TensorFlow's bilinear
// (corner-aligned sampling, no half-pixel offset). rgb: CV_8UC3. Returns
// CV_32FC3, values 0..255.
cv::Mat face_chip(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks,
                  int size = face::kDescriptorInput);

// What the guard says of one edit.
struct EditCheck {
  double similarity = 0; // 1 - descriptor distance, source crop vs result
  // The expression each shows (index into face::kExpressionLabels) and its
  // probability; -1 without the expression model.
  int source_expression = -1, result_expression = -1;
  double source_probability = 0, result_probability = 0;
};

class IdentityGuard {
public:
  // Error naming the folder and the missing file (and how to get it).
  explicit IdentityGuard(const std::filesystem::path& models_dir = default_models_dir());
  ~IdentityGuard();

  // The largest face of a photo (aligned crop or not): its descriptor (128).
  // Error naming the file when it cannot be read or has no face.
  at::Tensor describe(const std::filesystem::path& photo) const;
  // rgb: CV_8UC3; `what` names it in errors.
  at::Tensor describe(const cv::Mat& rgb, const std::string& what) const;
  // Landmarks of the largest face (empty when there is none).
  std::vector<cv::Point2d> landmarks(const cv::Mat& rgb) const;
  // Expression probabilities (7) of the face at `landmarks`; Error without
  // the expression model (has_expressions()).
  std::array<float, 7> expressions(const cv::Mat& rgb,
                                   const std::vector<cv::Point2d>& landmarks) const;
  bool has_expressions() const { return expression_ != nullptr; }
  // Descriptors of prepared chips (N x face_chip()).
  at::Tensor describe_chips(const std::vector<cv::Mat>& chips) const;
  // One descriptor (128 floats) per aligned crop, cut at the landmarks its
  // sidecar records (found again where it has none); empty for a crop that
  // cannot be read or shows no face. Progress per crop, cancellable.
  std::vector<std::vector<float>> describe_aligned(const std::vector<std::filesystem::path>& crops,
                                                   const JobContext& job = {}) const;

  // Every pair's similarity (1 - descriptor distance; 1 on the diagonal) of
  // the photos' largest faces; Error naming the first photo without a face.
  std::vector<std::vector<double>>
  similarity_matrix(const std::vector<std::filesystem::path>& photos) const;

  // Similarity (1 - distance) at or above which two faces are one person.
  static double threshold() { return 1.0 - face::kSamePersonDistance; }

  // How much an edit still looks like the person: the similarity of the
  // source's aligned crop and `result` (the edit's crop, CV_32FC3 RGB in
  // [0,1], any size), both cut at the source's landmarks (the edit keeps the
  // face where the crop has it).
  double edit_similarity(const editing::PreparedPhoto& photo, const cv::Mat& result) const;
  // The same, with the expressions of both when the expression model is there.
  EditCheck check_edit(const editing::PreparedPhoto& photo, const cv::Mat& result) const;

private:
  std::unique_ptr<face::FaceDescriptorNet> net_;
  std::unique_ptr<face::FaceExpressionNet> expression_; // optional
  std::unique_ptr<align::FaceDetector> detector_;
};

} // namespace drig::identity
