// The detector against the original align.py's dlib results
// (../shared/reference/align/expected/landmarks.json) and on every album photo.
#include "tests/support/test_paths.h"
#include "training/align/face_detector.h"
#include "training/align/landmark_predictor.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

fs::path input_of(const std::string& key) {
  const fs::path data = test::shared_dir() / "testdata";
  const std::string set = key.substr(0, key.find('/'));
  const std::string file = key.substr(key.find('/') + 1);
  return set == "portraits" ? data / "faces/portraits" / file : data / "albums" / set / file;
}

TEST(FaceDetector, FirstPassReproducesTheOriginalBoxesAndLandmarks) {
  DRIG_REQUIRE_SHARED();
  std::ifstream in(test::shared_dir() / "reference/align/expected/landmarks.json");
  const nlohmann::json ref = nlohmann::json::parse(in);
  int compared = 0;
  for (const auto& [key, entry] : ref["images"].items()) {
    if (entry["faces"].empty())
      continue;
    SCOPED_TRACE(key);
    const cv::Mat rgb = load_rgb(input_of(key));
    ASSERT_FALSE(rgb.empty());
    const std::vector<DetectedFace> faces = shared_detector().detect(rgb);
    ASSERT_EQ(faces.size(), entry["faces"].size());
    const auto& want = entry["faces"][0];
    EXPECT_EQ(faces[0].detector, "dlib-hog");
    EXPECT_EQ(faces[0].box.left, want["box"][0].get<long>());
    EXPECT_EQ(faces[0].box.top, want["box"][1].get<long>());
    EXPECT_EQ(faces[0].box.right, want["box"][2].get<long>());
    EXPECT_EQ(faces[0].box.bottom, want["box"][3].get<long>());
    // dlib's SIMD path (AVX in the reference build, SSE here) sums HOG scores in
    // another order: scores agree to float precision, boxes exactly.
    EXPECT_NEAR(faces[0].score, want["score"].get<double>(), 1e-5);
    ASSERT_EQ(faces[0].landmarks.size(), 68u);
    int differing = 0;
    for (size_t i = 0; i < 68; ++i)
      differing += faces[0].landmarks[i] != cv::Point2d(want["landmarks"][i][0].get<double>(),
                                                        want["landmarks"][i][1].get<double>());
    EXPECT_EQ(differing, 0) << "landmarks differ from the original's";
    ++compared;
  }
  EXPECT_EQ(compared, 25);
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

} // namespace
} // namespace drig::align
