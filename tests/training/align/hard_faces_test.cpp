// Photos the original detector misses, made from the reference portraits by
// known transforms (tilted head, small face, face cut by the frame): the
// fallback passes must find them, and find the right face (landmarks near the
// transformed reference landmarks).
#include "tests/support/test_paths.h"
#include "tests/training/align/reference_faces.h"
#include "training/align/dlib_hog.h"
#include "training/align/face_detector.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <functional>
#include <map>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

struct Case {
  cv::Mat rgb;
  std::vector<cv::Point2d> landmarks;
};

cv::Point2d apply(const cv::Matx23d& m, const cv::Point2d& p) {
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

Case warp(const Case& in, const cv::Matx23d& m, cv::Size size) {
  Case out;
  cv::warpAffine(in.rgb, out.rgb, cv::Mat(m), size, cv::INTER_AREA, cv::BORDER_CONSTANT,
                 cv::Scalar(128, 128, 128));
  for (const cv::Point2d& p : in.landmarks)
    out.landmarks.push_back(apply(m, p));
  return out;
}

Case tilted(const Case& in) {
  const cv::Point2f c(0.5f * in.rgb.cols, 0.5f * in.rgb.rows);
  cv::Matx23d m(cv::getRotationMatrix2D(c, 50.0, 1.0));
  const int side = static_cast<int>(1.5 * std::max(in.rgb.cols, in.rgb.rows));
  m(0, 2) += 0.5 * side - c.x;
  m(1, 2) += 0.5 * side - c.y;
  return warp(in, m, cv::Size(side, side));
}

Case small_face(const Case& in) {
  // dlib's HOG window is 80 px; upsampled once it finds faces down to ~40 px.
  const double eye_span = cv::norm(in.landmarks[45] - in.landmarks[36]);
  const double s = 14.0 / eye_span; // face box about 30 px
  return warp(in, cv::Matx23d(s, 0, 150, 0, s, 100), cv::Size(400, 300));
}

Case cut_by_frame(const Case& in) {
  // Shift so the frame's left edge runs through the left eye.
  const double x0 = in.landmarks[38].x;
  return warp(in, cv::Matx23d(1, 0, -x0, 0, 1, 0),
              cv::Size(in.rgb.cols - static_cast<int>(x0), in.rgb.rows));
}

double mean_error(const std::vector<cv::Point2d>& a, const std::vector<cv::Point2d>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += cv::norm(a[i] - b[i]);
  return sum / double(a.size());
}

TEST(HardFaces, FallbacksFindWhatTheOriginalMisses) {
  DRIG_REQUIRE_SHARED();
  std::vector<Case> bases;
  for (const test::ReferenceFace& face : test::reference_portraits("portraits/exp_", 5)) {
    ASSERT_FALSE(face.rgb.empty()) << face.key;
    bases.push_back({face.rgb, face.landmarks});
  }
  ASSERT_EQ(bases.size(), 5u);
  const std::map<std::string, std::function<Case(const Case&)>> kinds = {
      {"tilted 50 degrees", tilted},
      {"small face", small_face},
      {"cut by the frame", cut_by_frame}};
  HogDetector original;
  const FaceDetector ours;
  for (const auto& [kind, make] : kinds) {
    int original_found = 0, ours_found = 0, ours_right = 0;
    std::map<std::string, int> passes;
    for (const Case& base : bases) {
      const Case c = make(base);
      original_found += !original.detect(c.rgb, 1).empty();
      const std::vector<DetectedFace> faces = ours.detect(c.rgb);
      if (faces.empty())
        continue;
      ++ours_found;
      ++passes[faces[0].detector];
      const double face = cv::norm(c.landmarks[16] - c.landmarks[0]);
      ours_right += mean_error(faces[0].landmarks, c.landmarks) < 0.1 * face;
    }
    std::cout << kind << ": original " << original_found << "/" << bases.size() << ", ours "
              << ours_found << " (right face " << ours_right << "):";
    for (const auto& [p, n] : passes)
      std::cout << " " << p << " " << n;
    std::cout << "\n";
    EXPECT_GT(ours_found, original_found) << kind;
    EXPECT_GE(ours_right, static_cast<int>(bases.size()) * 3 / 4) << kind;
  }
}

} // namespace
} // namespace drig::align
