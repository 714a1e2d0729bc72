#include "training/align/face_api_landmarks.h"

#include "model/base/load_once.h"
#include "model/face_api/face_api_models.h"
#include "model/face_api/face_landmarks.h"
#include "model/face_api/tf_conv.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace drig::align {

FaceApiLandmarks::FaceApiLandmarks(const std::filesystem::path& manifest)
    : net_(load_once<face::FaceLandmarkNet>(manifest, "", [&] {
        count_load("face landmarks (face-api)");
        return std::make_shared<const face::FaceLandmarkNet>(manifest);
      })) {}

FaceApiLandmarks::~FaceApiLandmarks() = default;

std::filesystem::path FaceApiLandmarks::default_manifest() {
  return face::default_face_api_dir() / face::kLandmarkManifest;
}

std::vector<cv::Point2d> FaceApiLandmarks::predict(const cv::Mat& rgb,
                                                   const cv::Rect2d& box) const {
  // face-api's Box.clipAtImageBorders, then floor().
  const double cx = std::max(box.x, 0.0), cy = std::max(box.y, 0.0);
  const int x0 = int(std::floor(cx)), y0 = int(std::floor(cy));
  const int w = std::max(1, int(std::floor(std::min(box.br().x - cx, rgb.cols - cx))));
  const int h = std::max(1, int(std::floor(std::min(box.br().y - cy, rgb.rows - cy))));
  const cv::Rect crop = cv::Rect(x0, y0, w, h) & cv::Rect(0, 0, rgb.cols, rgb.rows);
  // Centred black padding to a square: the rounded half after, the rest before.
  const int side = std::max(w, h), diff = std::abs(w - h);
  const int before = diff - int(std::lround(0.5 * diff));
  cv::Mat square(side, side, CV_8UC3, cv::Scalar(0, 0, 0));
  rgb(crop).copyTo(
      square(cv::Rect(w < h ? before : 0, h < w ? before : 0, crop.width, crop.height)));
  constexpr int n = face::kLandmarkInput;
  const at::Tensor input =
      face::tf_resize_bilinear(at::from_blob(square.data, {side, side, 3}, at::kByte), n, n)
          .unsqueeze(0)
          .contiguous();
  const at::Tensor rel = net_->forward(input)[0].to(at::kDouble).contiguous();
  const double* p = rel.data_ptr<double>();
  // face-api's postProcess takes the padding off symmetrically, (side - w) / 2.
  const double ox = x0 - 0.5 * (side - w), oy = y0 - 0.5 * (side - h);
  std::vector<cv::Point2d> landmarks;
  for (int i = 0; i < 68; ++i)
    landmarks.emplace_back(ox + p[2 * i] * side, oy + p[2 * i + 1] * side);
  return landmarks;
}

} // namespace drig::align
