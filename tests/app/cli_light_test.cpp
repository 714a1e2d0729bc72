// `diffusionrig light-from` as a user runs it: a panorama made here (OpenCV
// writes Radiance .hdr) and a real photo from ../shared used as a background.
#include "tests/support/test_paths.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

nlohmann::json light_json(const std::string& args) {
  const auto r = run_command(cli() + " light-from " + args + " --json 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return nlohmann::json::parse(r.out.substr(r.out.find('{')));
}

} // namespace

TEST(CliLight, APanoramasBrightSpotIsWhereTheLightComesFrom) {
  drig::test::TempDir dir("light-from");
  // Dim blue sky, a warm sun at azimuth -60 (left of the camera), 30 up.
  cv::Mat bgr(128, 256, CV_32FC3, cv::Scalar(0.04, 0.03, 0.02));
  const int col = int((-60 + 180) / 360.0 * 256), row = int((90 - 30) / 180.0 * 128);
  cv::circle(bgr, {col, row}, 3, cv::Scalar(40, 60, 80), cv::FILLED);
  const fs::path hdr = dir.path() / "sky.hdr";
  ASSERT_TRUE(cv::imwrite(hdr.string(), bgr));
  const nlohmann::json j = light_json("'" + hdr.string() + "' --hdri");
  ASSERT_EQ(j.at("sh").size(), 27u);
  EXPECT_NEAR(j.at("azimuth").get<double>(), -60, 3);
  EXPECT_NEAR(j.at("elevation").get<double>(), 30, 3);
  const std::vector<double> sh = j.at("sh").get<std::vector<double>>();
  EXPECT_GT(sh[0], sh[2]) << "a warm sun: more red than blue (RGB order)";
  const nlohmann::json turned = light_json("'" + hdr.string() + "' --hdri --hdri-rotation 90");
  EXPECT_NEAR(turned.at("azimuth").get<double>(), 30, 3);
  // The text form says the same direction.
  const auto text = run_command(cli() + " light-from '" + hdr.string() + "' --hdri");
  const size_t at = text.out.find("dominant light: azimuth ");
  ASSERT_NE(at, std::string::npos) << text.out;
  EXPECT_NEAR(std::stod(text.out.substr(at + 24)), -60, 3) << text.out;
}

TEST(CliLight, ABackgroundPhotoLightsFromItsBrightSide) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dir("light-bg");
  const fs::path photo = drig::test::shared_dir() / "testdata/faces/portraits/exp_0.jpg";
  cv::Mat image = cv::imread(photo.string());
  ASSERT_FALSE(image.empty()) << photo;
  // The real photo with its right half in darkness: the light is its left's.
  image(cv::Rect(image.cols / 2, 0, image.cols - image.cols / 2, image.rows)) = cv::Scalar::all(0);
  const fs::path left = dir.path() / "left_lit.jpg";
  ASSERT_TRUE(cv::imwrite(left.string(), image));
  const nlohmann::json j = light_json("'" + left.string() + "'");
  EXPECT_LT(j.at("azimuth").get<double>(), -20) << "from the image's left";
  cv::flip(image, image, 1);
  const fs::path right = dir.path() / "right_lit.jpg";
  ASSERT_TRUE(cv::imwrite(right.string(), image));
  EXPECT_GT(light_json("'" + right.string() + "'").at("azimuth").get<double>(), 20);
}

TEST(CliLight, BadFilesAreNamedWithTheProblem) {
  drig::test::TempDir dir("light-bad");
  const fs::path broken = dir.path() / "broken.hdr";
  std::ofstream(broken) << "#?RADIANCE\nnot really\n";
  auto r = run_command(cli() + " light-from '" + broken.string() + "' --hdri 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("broken.hdr"), std::string::npos) << r.out;
  const fs::path black = dir.path() / "black.png";
  ASSERT_TRUE(cv::imwrite(black.string(), cv::Mat(20, 30, CV_8UC3, cv::Scalar::all(0))));
  r = run_command(cli() + " light-from '" + black.string() + "' 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("holds no light"), std::string::npos) << r.out;
  r = run_command(cli() + " light-from '" + (dir.path() / "none.exr").string() + "' --hdri 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("none.exr"), std::string::npos) << r.out;
}
