#include "training/edit/identity_guard.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/face_api/tf_conv.h"
#include "training/align/face_detector.h"
#include "training/align/sidecar.h"
#include "training/edit/edit_engine.h"
#include "training/photo_io/image_file.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace fs = std::filesystem;

namespace drig::identity {

fs::path default_models_dir() {
  return face::default_face_api_dir();
}

cv::Mat face_chip(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks, int size) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "face chip: an 8-bit RGB image is needed");
  DRIG_CHECK(!landmarks.empty(), "face chip: no landmarks");
  double x0 = landmarks[0].x, y0 = landmarks[0].y, x1 = x0, y1 = y0;
  for (const cv::Point2d& p : landmarks) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  const double w = x1 - x0, h = y1 - y0;
  const int left = std::max(0, int(std::floor(x0 - 0.1 * w)));
  const int top = std::max(0, int(std::floor(y0 - 0.1 * h)));
  const int right = std::min(rgb.cols, int(std::ceil(x1 + 0.1 * w)));
  const int bottom = std::min(rgb.rows, int(std::ceil(y1 + 0.1 * h)));
  DRIG_CHECK(right - left >= 8 && bottom - top >= 8, "face chip: the face is too small");
  cv::Mat face;
  rgb(cv::Rect(left, top, right - left, bottom - top)).convertTo(face, CV_32FC3);
  const int diff = std::abs(face.rows - face.cols);
  if (diff > 0) {
    const int after = int(std::lround(diff * 0.5)), before = diff - after;
    if (face.rows > face.cols)
      cv::copyMakeBorder(face, face, 0, 0, before, after, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    else
      cv::copyMakeBorder(face, face, before, after, 0, 0, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  // face-api's resize (model/face_api/tf_conv), which its networks were fed with.
  const at::Tensor resized =
      face::tf_resize_bilinear(at::from_blob(face.data, {face.rows, face.cols, 3}, at::kFloat),
                               size, size)
          .contiguous();
  cv::Mat out(size, size, CV_32FC3);
  std::memcpy(out.data, resized.data_ptr<float>(), size_t(resized.numel()) * sizeof(float));
  return out;
}

IdentityGuard::IdentityGuard(const fs::path& models_dir) {
  const fs::path manifest = models_dir / kDescriptorManifest;
  DRIG_CHECK(fs::exists(manifest),
             "{}: the face recognition model is missing ({} and face_recognition_model.bin from "
             "the npm package @vladmandic/face-api, folder model/; packaging/bootstrap.sh "
             "installs them)",
             models_dir.string(), kDescriptorManifest);
  net_ = std::make_unique<face::FaceDescriptorNet>(manifest);
  const fs::path expressions = models_dir / face::kExpressionManifest;
  if (fs::exists(expressions))
    expression_ = std::make_unique<face::FaceExpressionNet>(expressions);
  detector_ = std::make_unique<align::FaceDetector>();
}

IdentityGuard::~IdentityGuard() = default;

at::Tensor IdentityGuard::describe_chips(const std::vector<cv::Mat>& chips) const {
  DRIG_CHECK(!chips.empty(), "identity: no faces to describe");
  at::Tensor batch = at::empty(
      {int64_t(chips.size()), face::kDescriptorInput, face::kDescriptorInput, 3}, at::kFloat);
  for (size_t i = 0; i < chips.size(); ++i) {
    DRIG_CHECK(chips[i].type() == CV_32FC3 && chips[i].rows == face::kDescriptorInput &&
                   chips[i].cols == face::kDescriptorInput && chips[i].isContinuous(),
               "identity: chip {} is not a 150x150 float RGB image", i);
    std::memcpy(batch[int64_t(i)].data_ptr<float>(), chips[i].ptr<float>(),
                size_t(face::kDescriptorInput) * face::kDescriptorInput * 3 * sizeof(float));
  }
  return net_->forward(batch);
}

at::Tensor IdentityGuard::describe(const cv::Mat& rgb, const std::string& what) const {
  const std::vector<align::DetectedFace> faces = detector_->detect(rgb);
  DRIG_CHECK(!faces.empty(), "{}: no face found", what);
  return describe_chips({face_chip(rgb, faces.front().landmarks)})[0];
}

std::vector<cv::Point2d> IdentityGuard::landmarks(const cv::Mat& rgb) const {
  const std::vector<align::DetectedFace> faces = detector_->detect(rgb);
  return faces.empty() ? std::vector<cv::Point2d>{} : faces.front().landmarks;
}

std::array<float, 7> IdentityGuard::expressions(const cv::Mat& rgb,
                                                const std::vector<cv::Point2d>& landmarks) const {
  DRIG_CHECK(expression_,
             "identity: the expression model (face_expression_model) is not installed");
  const cv::Mat chip = face_chip(rgb, landmarks, face::kExpressionInput);
  at::Tensor batch = at::empty({1, face::kExpressionInput, face::kExpressionInput, 3}, at::kFloat);
  std::memcpy(batch.data_ptr<float>(), chip.ptr<float>(), batch.numel() * sizeof(float));
  const at::Tensor p = expression_->forward(batch)[0].contiguous();
  std::array<float, 7> out{};
  std::copy(p.data_ptr<float>(), p.data_ptr<float>() + 7, out.begin());
  return out;
}

double IdentityGuard::edit_similarity(const editing::PreparedPhoto& photo,
                                      const cv::Mat& result) const {
  return check_edit(photo, result).similarity;
}

EditCheck IdentityGuard::check_edit(const editing::PreparedPhoto& photo,
                                    const cv::Mat& result) const {
  cv::Mat source = photo.aligned_rgb, edited;
  if (source.empty()) {
    const cv::Mat bgr = cv::imread(photo.aligned_png.string(), cv::IMREAD_COLOR);
    DRIG_CHECK(!bgr.empty(), "{}: cannot read the aligned photo", photo.aligned_png.string());
    count_load("photo decode");
    cv::cvtColor(bgr, source, cv::COLOR_BGR2RGB);
  }
  DRIG_CHECK(result.type() == CV_32FC3, "identity: the edit must be a float RGB image");
  result.convertTo(edited, CV_8UC3, 255.0);
  if (edited.size() != source.size())
    cv::resize(edited, edited, source.size(), 0, 0, cv::INTER_LINEAR);
  std::vector<cv::Point2d> points = photo.landmarks;
  if (points.empty())
    points = landmarks(source);
  DRIG_CHECK(!points.empty(), "{}: no face found for the identity check",
             photo.aligned_png.string());
  const at::Tensor d = describe_chips({face_chip(source, points), face_chip(edited, points)});
  EditCheck check;
  check.similarity = face::descriptor_similarity(d[0], d[1]);
  if (expression_) {
    const auto top = [](const std::array<float, 7>& p) {
      return int(std::max_element(p.begin(), p.end()) - p.begin());
    };
    const std::array<float, 7> before = expressions(source, points);
    const std::array<float, 7> after = expressions(edited, points);
    check.source_expression = top(before);
    check.result_expression = top(after);
    check.source_probability = before[size_t(check.source_expression)];
    check.result_probability = after[size_t(check.result_expression)];
  }
  return check;
}

std::vector<std::vector<double>>
IdentityGuard::similarity_matrix(const std::vector<fs::path>& photos) const {
  std::vector<at::Tensor> descriptors;
  for (const fs::path& photo : photos)
    descriptors.push_back(describe(photo));
  const size_t n = descriptors.size();
  std::vector<std::vector<double>> sim(n, std::vector<double>(n, 1.0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      sim[i][j] = sim[j][i] = face::descriptor_similarity(descriptors[i], descriptors[j]);
  return sim;
}

std::vector<std::vector<float>> IdentityGuard::describe_aligned(const std::vector<fs::path>& crops,
                                                                const JobContext& job) const {
  std::vector<std::vector<float>> out(crops.size());
  ProgressReporter progress(job, "identity", int64_t(crops.size()));
  for (size_t i = 0; i < crops.size(); ++i) {
    progress.check_cancel();
    try {
      std::error_code ec;
      const cv::Mat bgr = fs::is_regular_file(crops[i], ec)
                              ? cv::imread(crops[i].string(), cv::IMREAD_COLOR)
                              : cv::Mat();
      if (!bgr.empty()) {
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        std::vector<cv::Point2d> points;
        if (const auto record = align::read_sidecar(align::sidecar_path(crops[i])))
          points = record->aligned_landmarks(rgb.cols);
        if (points.empty())
          points = landmarks(rgb);
        if (!points.empty()) {
          const at::Tensor d = describe_chips({face_chip(rgb, points)})[0].contiguous();
          out[i].assign(d.data_ptr<float>(), d.data_ptr<float>() + d.numel());
        }
      }
    } catch (const Error&) {
      out[i].clear(); // an unreadable sidecar or a face too small: not described
    }
    progress.advance(1, crops[i].filename().string());
  }
  return out;
}

at::Tensor IdentityGuard::describe(const fs::path& photo) const {
  const image_io::LoadedImage image = image_io::load_image(photo);
  return describe(image_io::to_rgb8(image.rgb), photo.string());
}

} // namespace drig::identity
