// The SSD stage's tiles: a large photo of small faces (a crowd, as a group
// photo shows it) where the whole photo, shrunk to the network's 512 px,
// leaves each face too small to find, and the tiles find them.
#include "tests/support/test_paths.h"
#include "tests/training/align/reference_faces.h"
#include "training/align/ssd_pass.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

struct Crowd {
  cv::Mat rgb;
  std::vector<cv::Point2d> centres;
  double face = 0; // jaw-line width of every face, px
};

// The reference portraits' faces, each scaled to a `face` px jaw line, on a
// grid of `cell` px cells over grey.
Crowd make_crowd(double face, int cell, int columns) {
  const std::vector<test::ReferenceFace> faces = test::reference_portraits();
  Crowd crowd;
  crowd.face = face;
  const int rows = int((faces.size() + size_t(columns) - 1) / size_t(columns));
  crowd.rgb = cv::Mat(rows * cell, columns * cell, CV_8UC3, cv::Scalar(120, 120, 120));
  for (size_t i = 0; i < faces.size(); ++i) {
    const cv::Mat& rgb = faces[i].rgb;
    const std::vector<cv::Point2d>& lm = faces[i].landmarks;
    cv::Point2d centre(0, 0);
    for (const cv::Point2d& p : lm)
      centre += p / double(lm.size());
    const double s = face / cv::norm(lm[16] - lm[0]);
    const cv::Point2d to(cell * (double(i % size_t(columns)) + 0.5),
                         cell * (double(i / size_t(columns)) + 0.5));
    const cv::Matx23d m(s, 0, to.x - s * centre.x, 0, s, to.y - s * centre.y);
    cv::Mat placed;
    cv::warpAffine(rgb, placed, cv::Mat(m), crowd.rgb.size(), cv::INTER_AREA);
    const cv::Rect roi(int(to.x) - cell / 2, int(to.y) - cell / 2, cell, cell);
    placed(roi).copyTo(crowd.rgb(roi));
    crowd.centres.push_back(to);
  }
  return crowd;
}

int found(const std::vector<FaceCandidate>& candidates, const Crowd& crowd) {
  int n = 0;
  for (const cv::Point2d& c : crowd.centres)
    n += std::any_of(candidates.begin(), candidates.end(), [&](const FaceCandidate& f) {
      return cv::norm(f.centre - c) < 0.5 * crowd.face;
    });
  return n;
}

TEST(SsdPass, TilesFindTheSmallFacesOfALargePhoto) {
  DRIG_REQUIRE_SHARED();
  if (!fs::exists(SsdPass::default_manifest()))
    GTEST_SKIP() << "face-api's SSD model is not installed (packaging/bootstrap.sh)";
  const SsdPass ssd(SsdPass::default_manifest());
  // The 17 single-face reference portraits, 40 px wide, in 200 px cells, ten
  // to a row: 2000 x 400 px. The network sees the whole photo at a quarter,
  // the faces at 10 px; a tile shows them at full size.
  const Crowd crowd = make_crowd(40, 200, 10);
  ASSERT_GE(crowd.centres.size(), 17u);
  ASSERT_GT(crowd.rgb.cols, 1000);
  const std::vector<FaceCandidate> with_tiles = ssd.run(crowd.rgb, 1.0);
  // A face as big as a quarter of the photo found elsewhere: no tiles.
  const std::vector<FaceCandidate> whole =
      ssd.run(crowd.rgb, 1.0, double(std::min(crowd.rgb.cols, crowd.rgb.rows)));
  const int n = int(crowd.centres.size());
  std::cout << n << " faces of " << crowd.face << " px in " << crowd.rgb.cols << " x "
            << crowd.rgb.rows << ": found " << found(with_tiles, crowd) << " with tiles ("
            << with_tiles.size() << " boxes), " << found(whole, crowd)
            << " from the whole photo alone (" << whole.size() << " boxes)\n";
  EXPECT_GE(found(with_tiles, crowd), n * 3 / 4);
  EXPECT_LE(found(whole, crowd), n / 4);
  EXPECT_LE(int(with_tiles.size()), n + 2) << "tiles add boxes where there are no faces";
}

} // namespace
} // namespace drig::align
