#include "training/align/landmark_predictor.h"

#include "model/base/error.h"
#include "model/base/load_once.h"

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>

#include <fstream>

namespace drig::align {

struct LandmarkPredictor::Impl {
  dlib::shape_predictor model;
};

LandmarkPredictor::LandmarkPredictor(const std::filesystem::path& model)
    : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  DRIG_CHECK(std::filesystem::is_regular_file(model, ec),
             "{}: landmark model not found (Debian's libdlib-data installs "
             "shape_predictor_68_face_landmarks.dat in /usr/share/dlib)",
             model.string());
  std::ifstream in(model, std::ios::binary);
  DRIG_CHECK(in.good(), "{}: cannot open the landmark model", model.string());
  try {
    dlib::deserialize(impl_->model, in);
    count_load("landmark model");
  } catch (const std::exception& e) {
    fail("{}: not a dlib shape predictor model ({})", model.string(), e.what());
  }
  DRIG_CHECK(impl_->model.num_parts() == 68,
             "{}: the landmark model predicts {} points; alignment needs the 68-point model",
             model.string(), impl_->model.num_parts());
}

LandmarkPredictor::~LandmarkPredictor() = default;

std::vector<cv::Point2d> LandmarkPredictor::predict(const cv::Mat& rgb, const Box& box) const {
  DRIG_CHECK(rgb.type() == CV_8UC3 && rgb.isContinuous(),
             "landmarks need a continuous 8-bit RGB image");
  dlib::cv_image<dlib::rgb_pixel> view(rgb);
  const dlib::full_object_detection shape =
      impl_->model(view, dlib::rectangle(box.left, box.top, box.right, box.bottom));
  std::vector<cv::Point2d> points;
  points.reserve(shape.num_parts());
  for (unsigned long i = 0; i < shape.num_parts(); ++i)
    points.emplace_back(double(shape.part(i).x()), double(shape.part(i).y()));
  return points;
}

std::shared_ptr<const LandmarkPredictor>
LandmarkPredictor::shared(const std::filesystem::path& model) {
  return load_once<LandmarkPredictor>(
      model, "", [&] { return std::make_shared<const LandmarkPredictor>(model); });
}

int LandmarkPredictor::loads() {
  return load_count("landmark model");
}

std::filesystem::path LandmarkPredictor::default_model_path() {
  return "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
}

} // namespace drig::align
