// The detector on every portrait and album photo (reference_album_test checks
// its boxes and landmarks against the original's).
#include "tests/support/test_paths.h"
#include "training/align/face_detector.h"
#include "training/align/landmark_predictor.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <fstream>
#include <map>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

cv::Mat load_rgb(const fs::path& path) {
  // The original decodes with libjpeg/libpng and ignores EXIF orientation.
  cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  cv::Mat rgb;
  if (!bgr.empty())
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

const FaceDetector& shared_detector() {
  static FaceDetector detector;
  return detector;
}

TEST(FaceDetector, FindsTheFaceInEveryPortraitAndAlbumPhoto) {
  DRIG_REQUIRE_SHARED();
  const fs::path data = test::shared_dir() / "testdata";
  std::vector<fs::path> photos;
  for (const fs::path& dir : {data / "faces/portraits", data / "albums/angelina",
                              data / "albums/mark", data / "albums/matt"})
    for (const auto& e : fs::directory_iterator(dir))
      photos.push_back(e.path());
  ASSERT_EQ(photos.size(), 36u);
  std::map<std::string, int> by_detector;
  for (const fs::path& p : photos) {
    SCOPED_TRACE(p.string());
    const cv::Mat rgb = load_rgb(p);
    const std::vector<DetectedFace> faces = shared_detector().detect(rgb);
    ASSERT_FALSE(faces.empty());
    const DetectedFace& f = faces[0];
    ++by_detector[f.detector];
    // The right face: a portrait's subject fills a good part of the frame, and
    // the eyes lie above the mouth inside the box.
    EXPECT_GT(f.box.area(), 0.01 * double(rgb.total()));
    const double eye_y = 0.5 * (f.landmarks[36].y + f.landmarks[45].y);
    const double mouth_y = 0.5 * (f.landmarks[48].y + f.landmarks[54].y);
    EXPECT_LT(eye_y, mouth_y);
    if (p.filename() == "examples_image03786.png") {
      EXPECT_NE(f.detector, "dlib-hog") << "the original detector misses this one";
    }
  }
  for (const auto& [name, n] : by_detector)
    std::cout << "  " << name << ": " << n << " photos\n";
  EXPECT_EQ(by_detector["dlib-hog"], 35);
}

TEST(FaceDetector, MissingOrWrongLandmarkModelIsAClearError) {
  test::TempDir tmp("face_detector_model");
  DetectorOptions o;
  o.landmark_model = tmp / "nope.dat";
  EXPECT_NE(test::error_of([&] { FaceDetector d(o); }).find("nope.dat: landmark model not found"),
            std::string::npos);
  std::ofstream(tmp / "bad.dat") << "this is not a model";
  o.landmark_model = tmp / "bad.dat";
  EXPECT_NE(test::error_of([&] { FaceDetector d(o); }).find("not a dlib shape predictor"),
            std::string::npos);
}

TEST(FaceDetector, TheLandmarkModelIsReadOncePerProcessUntilItChanges) {
  const fs::path installed = LandmarkPredictor::default_model_path();
  if (!fs::exists(installed))
    GTEST_SKIP() << installed << " is not installed (Debian's libdlib-data)";
  test::TempDir tmp("landmark_cache");
  const fs::path copy = tmp / "landmarks.dat";
  fs::copy_file(installed, copy);
  DetectorOptions o;
  o.landmark_model = copy;
  const int before = LandmarkPredictor::loads();
  { const FaceDetector a(o), b(o); }
  const FaceDetector c(o); // the detectors above are gone; the model is not
  EXPECT_EQ(LandmarkPredictor::loads(), before + 1);
  fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(2));
  const FaceDetector d(o);
  EXPECT_EQ(LandmarkPredictor::loads(), before + 2) << "a changed file is read again";
}

} // namespace
} // namespace drig::align
