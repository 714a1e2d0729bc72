#include "training/align/face_detector.h"

#include "model/base/angles.h"
#include "model/base/error.h"
#include "model/base/options.h"
#include "training/align/dlib_hog.h"
#include "training/align/face_api_landmarks.h"
#include "training/align/fallback_passes.h"
#include "training/align/landmark_predictor.h"
#include "training/align/ssd_pass.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace drig::align {

double iou(const Box& a, const Box& b) {
  const double w = double(std::min(a.right, b.right) - std::max(a.left, b.left) + 1);
  const double h = double(std::min(a.bottom, b.bottom) - std::max(a.top, b.top) + 1);
  if (w <= 0 || h <= 0)
    return 0.0;
  const double inter = w * h;
  return inter / (a.area() + b.area() - inter);
}

namespace {

struct WorkerState {
  HogDetector hog;
  std::unique_ptr<FallbackPasses> fallbacks;
};

// Landmarks for a face found at an angle or by a detector with another box
// convention: predict on a crop turned upright around the face, map back.
DetectedFace predict_upright(const LandmarkPredictor& predictor, const cv::Mat& rgb,
                             const FaceCandidate& c) {
  const int side = std::max(16, static_cast<int>(std::lround(2.5 * c.size)));
  cv::Mat m =
      cv::getRotationMatrix2D(cv::Point2f(float(c.centre.x), float(c.centre.y)), c.angle, 1.0);
  m.at<double>(0, 2) += 0.5 * (side - 1) - c.centre.x;
  m.at<double>(1, 2) += 0.5 * (side - 1) - c.centre.y;
  cv::Mat crop;
  cv::warpAffine(rgb, crop, m, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  const double half = 0.5 * c.size, mid = 0.5 * (side - 1);
  const Box local{std::lround(mid - half), std::lround(mid - half), std::lround(mid + half - 1),
                  std::lround(mid + half - 1)};
  cv::Mat back_m;
  cv::invertAffineTransform(m, back_m);
  const cv::Matx23d back(back_m);
  const auto to_source = [&](double x, double y) {
    return cv::Point2d(back(0, 0) * x + back(0, 1) * y + back(0, 2),
                       back(1, 0) * x + back(1, 1) * y + back(1, 2));
  };
  DetectedFace face;
  face.score = c.score;
  face.detector = c.detector;
  for (const cv::Point2d& p : predictor.predict(crop, local))
    face.landmarks.push_back(to_source(p.x, p.y));
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const cv::Point2d& corner : {to_source(double(local.left), double(local.top)),
                                    to_source(double(local.right), double(local.top)),
                                    to_source(double(local.left), double(local.bottom)),
                                    to_source(double(local.right), double(local.bottom))}) {
    x0 = std::min(x0, corner.x), y0 = std::min(y0, corner.y);
    x1 = std::max(x1, corner.x), y1 = std::max(y1, corner.y);
  }
  face.box = Box{std::lround(x0), std::lround(y0), std::lround(x1), std::lround(y1)};
  return face;
}

// The roll of the eyes' line, in the convention of FaceCandidate::angle.
double eye_roll(const std::vector<cv::Point2d>& landmarks) {
  cv::Point2d left(0, 0), right(0, 0);
  for (int i = 0; i < 6; ++i) {
    left += landmarks[size_t(36 + i)] / 6.0;
    right += landmarks[size_t(42 + i)] / 6.0;
  }
  return degrees(std::atan2(right.y - left.y, right.x - left.x));
}

// A detector without an angle (the SSD) on a tilted head: dlib's landmark
// model wants the face upright, so the crop is turned by the roll the first
// landmarks show, and the landmarks predicted again.
DetectedFace predict_levelled(const LandmarkPredictor& predictor, const cv::Mat& rgb,
                              FaceCandidate c) {
  DetectedFace face = predict_upright(predictor, rgb, c);
  for (int pass = 0; pass < 2; ++pass) {
    const double roll = eye_roll(face.landmarks);
    if (std::abs(roll - c.angle) < 8.0)
      break;
    c.angle = roll;
    face = predict_upright(predictor, rgb, c);
  }
  return face;
}

// The box in dlib's convention the candidate stands for, landmarks from
// face-api's network on the SSD's own box.
DetectedFace with_face_api_landmarks(const FaceApiLandmarks& net, const cv::Mat& rgb,
                                     const FaceCandidate& c) {
  DetectedFace face;
  face.score = c.score;
  face.detector = c.detector;
  face.landmark_model = "face-api-68";
  const double half = 0.5 * c.size;
  face.box = Box{std::lround(c.centre.x - half), std::lround(c.centre.y - half),
                 std::lround(c.centre.x + half - 1), std::lround(c.centre.y + half - 1)};
  face.landmarks = net.predict(rgb, c.box);
  return face;
}

// Two reports of one face: centres closer than half the larger face.
bool same_face(const cv::Point2d& a, double a_size, const cv::Point2d& b, double b_size) {
  return std::hypot(a.x - b.x, a.y - b.y) < 0.5 * std::max(a_size, b_size);
}

bool near(const FaceCandidate& c, const Box& b) {
  const cv::Point2d centre(0.5 * double(b.left + b.right), 0.5 * double(b.top + b.bottom));
  return same_face(c.centre, c.size, centre, double(b.width()));
}

// Several cascades (or both profile directions) may report one face.
std::vector<FaceCandidate> suppress_overlaps(std::vector<FaceCandidate> found) {
  std::sort(found.begin(), found.end(),
            [](const FaceCandidate& a, const FaceCandidate& b) { return a.score > b.score; });
  std::vector<FaceCandidate> kept;
  for (FaceCandidate& c : found) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const FaceCandidate& k) {
      return same_face(k.centre, k.size, c.centre, c.size);
    });
    if (!overlaps)
      kept.push_back(std::move(c));
  }
  return kept;
}

} // namespace

struct FaceDetector::Workers {
  std::shared_ptr<const LandmarkPredictor> predictor;
  std::unique_ptr<SsdPass> ssd;
  std::unique_ptr<FaceApiLandmarks> ssd_landmarks; // optional
  std::mutex mutex;
  std::vector<std::unique_ptr<WorkerState>> idle;
};

void DetectorOptions::check(OptionCheck& c) const {
  c.require(detect_megapixels >= 0.1,
            fmt::format("the detection copy must have at least 0.1 megapixels, got {}",
                        detect_megapixels));
  c.require(exact_megapixels >= 0.0,
            fmt::format("exact-search size must not be negative, got {}", exact_megapixels));
  std::error_code ec;
  c.require(landmark_model.empty() || std::filesystem::is_regular_file(landmark_model, ec),
            fmt::format("{}: landmark model not found (dlib's "
                        "shape_predictor_68_face_landmarks.dat, from libdlib-data)",
                        landmark_model.string()));
  c.require(ssd_model.empty() || std::filesystem::is_regular_file(ssd_model, ec),
            fmt::format("{}: no such file (face-api's SSD manifest)", ssd_model.string()));
  c.require(!fallbacks || cascade_dir.empty() || std::filesystem::is_directory(cascade_dir, ec),
            fmt::format("{}: no such folder (OpenCV's cascades)", cascade_dir.string()));
}

FaceDetector::FaceDetector(DetectorOptions options)
    : options_(std::move(options)), workers_(std::make_unique<Workers>()) {
  if (options_.landmark_model.empty())
    options_.landmark_model = LandmarkPredictor::default_model_path();
  if (options_.cascade_dir.empty())
    options_.cascade_dir = FallbackPasses::default_cascade_dir();
  OptionCheck checked;
  options_.check(checked);
  checked.throw_if_failed("face detector");
  workers_->predictor = LandmarkPredictor::shared(options_.landmark_model);
  if (options_.ssd) {
    if (!options_.ssd_model.empty())
      workers_->ssd = std::make_unique<SsdPass>(options_.ssd_model);
    else if (std::filesystem::exists(SsdPass::default_manifest()))
      workers_->ssd = std::make_unique<SsdPass>(SsdPass::default_manifest());
    const std::filesystem::path landmarks =
        options_.ssd_model.empty()
            ? FaceApiLandmarks::default_manifest()
            : options_.ssd_model.parent_path() / FaceApiLandmarks::default_manifest().filename();
    if (workers_->ssd && options_.ssd_face_api_landmarks && std::filesystem::exists(landmarks))
      workers_->ssd_landmarks = std::make_unique<FaceApiLandmarks>(landmarks);
  }
  // Fail now, not on the first photo that needs a fallback.
  if (options_.fallbacks) {
    auto first = std::make_unique<WorkerState>();
    first->fallbacks = std::make_unique<FallbackPasses>(options_.cascade_dir);
    workers_->idle.push_back(std::move(first));
  }
}

FaceDetector::~FaceDetector() = default;

bool FaceDetector::has_ssd() const {
  return workers_->ssd != nullptr;
}

std::vector<DetectedFace> FaceDetector::detect(const cv::Mat& rgb) const {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "face detection needs an 8-bit RGB image");
  std::unique_ptr<WorkerState> state;
  {
    std::lock_guard<std::mutex> lock(workers_->mutex);
    if (!workers_->idle.empty()) {
      state = std::move(workers_->idle.back());
      workers_->idle.pop_back();
    }
  }
  if (!state)
    state = std::make_unique<WorkerState>();
  struct GiveBack {
    Workers& w;
    std::unique_ptr<WorkerState>& s;
    ~GiveBack() {
      std::lock_guard<std::mutex> lock(w.mutex);
      w.idle.push_back(std::move(s));
    }
  } give_back{*workers_, state};

  const cv::Mat full = rgb.isContinuous() ? rgb : rgb.clone();
  const double pixels = double(full.total());
  const double limit = options_.detect_megapixels * 1e6;
  double scale = 1.0;
  cv::Mat small = full;
  if (pixels > options_.exact_megapixels * 1e6 && pixels > limit) {
    scale = std::sqrt(pixels / limit);
    cv::resize(full, small,
               cv::Size(std::max(1, int(std::lround(full.cols / scale))),
                        std::max(1, int(std::lround(full.rows / scale)))),
               0, 0, cv::INTER_AREA);
    scale = double(full.cols) / double(small.cols);
  }

  std::vector<DetectedFace> faces;
  for (DetectedFace& f : state->hog.detect(small, 1)) {
    if (scale != 1.0) {
      const auto up = [&](long v) { return std::lround((double(v) + 0.5) * scale - 0.5); };
      f.box = Box{up(f.box.left), up(f.box.top), up(f.box.right), up(f.box.bottom)};
    }
    f.landmarks = workers_->predictor->predict(full, f.box);
    faces.push_back(std::move(f));
  }
  if (faces.empty() && options_.fallbacks) {
    if (!state->fallbacks)
      state->fallbacks = std::make_unique<FallbackPasses>(options_.cascade_dir);
    for (const FaceCandidate& c :
         suppress_overlaps(state->fallbacks->run(small, scale, state->hog)))
      faces.push_back(predict_upright(*workers_->predictor, full, c));
  }
  if (workers_->ssd) {
    const size_t before = faces.size();
    double largest = 0;
    for (const DetectedFace& f : faces)
      largest = std::max(largest, double(f.box.width()) / scale);
    for (const FaceCandidate& c : workers_->ssd->run(small, scale, largest))
      if (std::none_of(faces.begin(), faces.begin() + long(before),
                       [&](const DetectedFace& f) { return near(c, f.box); }))
        faces.push_back(workers_->ssd_landmarks
                            ? with_face_api_landmarks(*workers_->ssd_landmarks, full, c)
                            : predict_levelled(*workers_->predictor, full, c));
  }
  std::stable_sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) {
    return a.box.area() > b.box.area();
  });
  return faces;
}

} // namespace drig::align
