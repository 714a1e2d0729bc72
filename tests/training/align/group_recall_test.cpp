// Recall on the annotated group photos (dlib's XML boxes): every face, as
// --all-faces keeps them, against the original detector on the same photos.
#include "tests/support/test_paths.h"
#include "training/align/dlib_hog.h"
#include "training/align/face_detector.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::vector<Box>> read_dlib_xml(const fs::path& xml) {
  std::ifstream in(xml);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  std::map<std::string, std::vector<Box>> boxes;
  const std::regex image_re("<image file='([^']+)'");
  const std::regex box_re("<box top='(-?\\d+)' left='(-?\\d+)' width='(\\d+)' height='(\\d+)'");
  std::string current;
  std::istringstream lines(s);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, image_re)) {
      current = m[1];
      boxes[current];
    } else if (std::regex_search(line, m, box_re) && !current.empty()) {
      const long top = std::stol(m[1]), left = std::stol(m[2]);
      boxes[current].push_back(
          Box{left, top, left + std::stol(m[3]) - 1, top + std::stol(m[4]) - 1});
    }
  }
  return boxes;
}

struct Score {
  int truth = 0, found = 0, false_faces = 0;
};

void tally(const std::vector<Box>& truth, const std::vector<Box>& detected, Score& s) {
  s.truth += static_cast<int>(truth.size());
  for (const Box& t : truth)
    s.found += std::any_of(detected.begin(), detected.end(),
                           [&](const Box& d) { return iou(t, d) >= 0.5; });
  for (const Box& d : detected)
    s.false_faces +=
        std::none_of(truth.begin(), truth.end(), [&](const Box& t) { return iou(t, d) >= 0.5; });
}

TEST(GroupRecall, AllFacesRecallIsAtLeastTheOriginals) {
  DRIG_REQUIRE_SHARED();
  const fs::path dir = test::shared_dir() / "testdata/faces/groups";
  const auto annotated = read_dlib_xml(dir / "training.xml");
  ASSERT_GE(annotated.size(), 4u);
  HogDetector original;
  const FaceDetector ours;
  Score s_orig, s_ours;
  for (const auto& [file, truth] : annotated) {
    cv::Mat bgr = cv::imread((dir / file).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty()) << file;
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    std::vector<Box> orig_boxes, our_boxes;
    for (const DetectedFace& f : original.detect(rgb, 1))
      orig_boxes.push_back(f.box);
    for (const DetectedFace& f : ours.detect(rgb))
      our_boxes.push_back(f.box);
    tally(truth, orig_boxes, s_orig);
    tally(truth, our_boxes, s_ours);
  }
  std::cout << "annotated faces " << s_orig.truth << ": original found " << s_orig.found
            << " (false " << s_orig.false_faces << "), ours found " << s_ours.found << " (false "
            << s_ours.false_faces << ")\n";
  EXPECT_GE(s_ours.found, s_orig.found);
  EXPECT_LE(s_ours.false_faces, s_orig.false_faces + 2);
  EXPECT_GE(double(s_ours.found) / s_ours.truth, 0.8);
}

} // namespace
} // namespace drig::align
