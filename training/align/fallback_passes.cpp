#include "training/align/fallback_passes.h"

#include "model/base/error.h"
#include "training/align/dlib_hog.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace drig::align {

namespace {

// Small faces: two upsamplings cost 16x the pixels, so only on small copies.
constexpr double kUpsample2MaxPixels = 1.5e6;
// The other passes look for faces big enough to align, and each costs several
// detector runs: they work on a copy of at most this size.
constexpr double kFallbackMaxPixels = 1.2e6;
// Faces cut by the frame: the HOG window needs context around the face.
constexpr double kPadFraction = 0.25;
// Tilted heads: the HOG detector tolerates about +-15 degrees of roll.
constexpr std::array<double, 4> kRollAngles = {30.0, -30.0, 55.0, -55.0};
// OpenCV's cascade boxes are larger and sit higher than dlib's (the profile
// one also off-centre): the shape predictor was trained on dlib boxes, so they
// are mapped onto dlib's convention. Mean ratios of dlib's box to the cascade's
// (side, centre shift in cascade widths), measured on the reference portraits
// where both fire: frontal 17 faces, profile 9.
struct BoxFit {
  double size, dx, dy;
};
constexpr BoxFit kFrontalFit{0.93, 0.0, 0.09};
constexpr BoxFit kProfileFit{0.90, -0.19, 0.10};

FaceCandidate from_box(const Box& b, double scale, double angle, double score,
                       std::string detector) {
  FaceCandidate c;
  c.centre = {((b.left + b.right) * 0.5 + 0.5) * scale - 0.5,
              ((b.top + b.bottom) * 0.5 + 0.5) * scale - 0.5};
  c.size = 0.5 * double(b.width() + b.height()) * scale;
  c.angle = angle;
  c.score = score;
  c.detector = std::move(detector);
  return c;
}

std::vector<FaceCandidate> hog_pass(HogDetector& hog, const cv::Mat& image, int upsample,
                                    double scale, const std::string& name) {
  std::vector<FaceCandidate> out;
  for (const DetectedFace& f : hog.detect(image, upsample))
    out.push_back(from_box(f.box, scale, 0.0, f.score, name));
  return out;
}

std::vector<FaceCandidate> padded_pass(HogDetector& hog, const cv::Mat& small, double scale) {
  const int pad = static_cast<int>(std::lround(kPadFraction * std::max(small.cols, small.rows)));
  cv::Mat padded;
  cv::copyMakeBorder(small, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  std::vector<FaceCandidate> out;
  for (const DetectedFace& f : hog.detect(padded, 1)) {
    Box b = f.box;
    b.left -= pad, b.right -= pad, b.top -= pad, b.bottom -= pad;
    out.push_back(from_box(b, scale, 0.0, f.score, "dlib-hog-padded"));
  }
  return out;
}

std::vector<FaceCandidate> rotated_pass(HogDetector& hog, const cv::Mat& small, double scale) {
  const cv::Point2f centre(0.5f * float(small.cols - 1), 0.5f * float(small.rows - 1));
  for (double angle : kRollAngles) {
    cv::Mat m = cv::getRotationMatrix2D(centre, angle, 1.0);
    // Grow the canvas so no corner of the photo is cut off.
    const cv::Rect2f bounds = cv::RotatedRect(centre, small.size(), float(angle)).boundingRect2f();
    m.at<double>(0, 2) += bounds.width * 0.5 - centre.x;
    m.at<double>(1, 2) += bounds.height * 0.5 - centre.y;
    cv::Mat rotated;
    cv::warpAffine(small, rotated, m, cv::Size(int(bounds.width), int(bounds.height)),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    cv::Mat back;
    cv::invertAffineTransform(m, back);
    std::vector<FaceCandidate> out;
    for (const DetectedFace& f : hog.detect(rotated, 1)) {
      const cv::Point2d c((f.box.left + f.box.right) * 0.5, (f.box.top + f.box.bottom) * 0.5);
      const cv::Matx23d b(back);
      const cv::Point2d src(b(0, 0) * c.x + b(0, 1) * c.y + b(0, 2),
                            b(1, 0) * c.x + b(1, 1) * c.y + b(1, 2));
      FaceCandidate cand;
      cand.centre = {(src.x + 0.5) * scale - 0.5, (src.y + 0.5) * scale - 0.5};
      cand.size = 0.5 * double(f.box.width() + f.box.height()) * scale;
      cand.angle = angle;
      cand.score = f.score;
      cand.detector = angle > 0 ? "dlib-hog-rotated+" + std::to_string(int(angle))
                                : "dlib-hog-rotated" + std::to_string(int(angle));
      out.push_back(cand);
    }
    if (!out.empty())
      return out;
  }
  return {};
}

} // namespace

struct FallbackPasses::Impl {
  cv::CascadeClassifier frontal;
  cv::CascadeClassifier profile;

  std::vector<FaceCandidate> cascade(cv::CascadeClassifier& classifier, const BoxFit& fit,
                                     const cv::Mat& gray, bool mirrored, double scale,
                                     const std::string& name) {
    std::vector<cv::Rect> rects;
    std::vector<int> hits;
    const int min_side = std::max(24, std::min(gray.cols, gray.rows) / 12);
    classifier.detectMultiScale(gray, rects, hits, 1.1, 5, 0, cv::Size(min_side, min_side));
    std::vector<FaceCandidate> out;
    for (size_t i = 0; i < rects.size(); ++i) {
      const cv::Rect& r = rects[i];
      const double side = fit.size * r.width;
      double cx = r.x + 0.5 * r.width - 0.5 + fit.dx * r.width;
      const double cy = r.y + 0.5 * r.height - 0.5 + fit.dy * r.width;
      if (mirrored)
        cx = gray.cols - 1 - cx;
      FaceCandidate c;
      c.centre = {(cx + 0.5) * scale - 0.5, (cy + 0.5) * scale - 0.5};
      c.size = side * scale;
      c.score = double(hits[i]);
      c.detector = name;
      out.push_back(c);
    }
    return out;
  }
};

FallbackPasses::FallbackPasses(const std::filesystem::path& cascade_dir)
    : impl_(std::make_unique<Impl>()) {
  const auto load = [&](cv::CascadeClassifier& c, const char* file) {
    const std::filesystem::path p = cascade_dir / file;
    DRIG_CHECK(c.load(p.string()), "{}: cannot load the OpenCV cascade (install opencv-data)",
               p.string());
  };
  load(impl_->frontal, "haarcascade_frontalface_alt2.xml");
  load(impl_->profile, "haarcascade_profileface.xml");
}

FallbackPasses::~FallbackPasses() = default;

std::filesystem::path FallbackPasses::default_cascade_dir() {
  return "/usr/share/opencv4/haarcascades";
}

std::vector<FaceCandidate> FallbackPasses::run(const cv::Mat& small, double scale,
                                               HogDetector& hog) {
  std::vector<FaceCandidate> found;
  if (double(small.total()) <= kUpsample2MaxPixels)
    found = hog_pass(hog, small, 2, scale, "dlib-hog-upsample2");
  if (!found.empty())
    return found;
  cv::Mat reduced = small;
  if (double(small.total()) > kFallbackMaxPixels) {
    const double f = std::sqrt(kFallbackMaxPixels / double(small.total()));
    cv::resize(small, reduced,
               cv::Size(std::max(1, int(small.cols * f)), std::max(1, int(small.rows * f))), 0, 0,
               cv::INTER_AREA);
    scale *= double(small.cols) / double(reduced.cols);
  }
  found = padded_pass(hog, reduced, scale);
  if (found.empty())
    found = rotated_pass(hog, reduced, scale);
  if (!found.empty())
    return found;
  cv::Mat gray;
  cv::cvtColor(reduced, gray, cv::COLOR_RGB2GRAY);
  cv::equalizeHist(gray, gray);
  found = impl_->cascade(impl_->frontal, kFrontalFit, gray, false, scale, "opencv-frontal");
  if (!found.empty())
    return found;
  found = impl_->cascade(impl_->profile, kProfileFit, gray, false, scale, "opencv-profile");
  cv::Mat flipped;
  cv::flip(gray, flipped, 1);
  for (FaceCandidate& c :
       impl_->cascade(impl_->profile, kProfileFit, flipped, true, scale, "opencv-profile"))
    found.push_back(std::move(c));
  return found;
}

} // namespace drig::align
