#include "training/align/dlib_hog.h"

#include "model/base/error.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms/image_pyramid.h>
#include <dlib/image_transforms/interpolation.h>
#include <dlib/opencv/cv_image.h>

#include <cmath>

namespace drig::align {

struct HogDetector::Impl {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
};

HogDetector::HogDetector() : impl_(std::make_unique<Impl>()) {}
HogDetector::~HogDetector() = default;
HogDetector::HogDetector(HogDetector&&) noexcept = default;
HogDetector& HogDetector::operator=(HogDetector&&) noexcept = default;

namespace {

// dlib >= 19.24.9 rounds with lround (the reference fixtures' version); older
// releases use floor(x + 0.5). Spelled out so every dlib gives the fixtures' boxes.
Box round_box(const dlib::drectangle& r) {
  return Box{std::lround(r.left()), std::lround(r.top()), std::lround(r.right()),
             std::lround(r.bottom())};
}

} // namespace

std::vector<DetectedFace> HogDetector::detect(const cv::Mat& rgb, int upsample,
                                              double adjust_threshold) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && rgb.isContinuous(),
             "face detection needs a continuous 8-bit RGB image");
  DRIG_CHECK(upsample >= 0 && upsample <= 3, "upsample must be 0..3, got {}", upsample);
  dlib::cv_image<dlib::rgb_pixel> view(rgb);
  std::vector<dlib::rect_detection> found;
  dlib::pyramid_down<2> pyramid;
  if (upsample == 0) {
    impl_->detector(view, found, adjust_threshold);
  } else {
    dlib::matrix<dlib::rgb_pixel> up;
    dlib::pyramid_up(view, up, pyramid);
    for (int level = 1; level < upsample; ++level) {
      dlib::matrix<dlib::rgb_pixel> next;
      dlib::pyramid_up(up, next, pyramid);
      up.swap(next);
    }
    impl_->detector(up, found, adjust_threshold);
  }
  std::vector<DetectedFace> faces;
  faces.reserve(found.size());
  for (const dlib::rect_detection& d : found) {
    DetectedFace face;
    face.box = upsample == 0 ? round_box(dlib::drectangle(d.rect))
                             : round_box(pyramid.rect_down(dlib::drectangle(d.rect),
                                                           static_cast<unsigned>(upsample)));
    face.score = d.detection_confidence;
    face.detector = "dlib-hog";
    faces.push_back(std::move(face));
  }
  return faces;
}

} // namespace drig::align
