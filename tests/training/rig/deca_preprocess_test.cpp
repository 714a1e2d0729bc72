#include "training/rig/deca_preprocess.h"

#include "model/formats/npy.h"
#include "tests/support/test_paths.h"
#include "training/rig/skimage_ops.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <set>

namespace {

namespace fs = std::filesystem;
using drig::fitting::DecaCrop;

fs::path pre_dir() {
  return drig::test::shared_dir() / "reference/deca/ref/preprocess";
}

cv::Mat read_rgb(const fs::path& path) {
  cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(bgr.empty()) << path;
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

std::vector<cv::Point2d> read_landmarks(const fs::path& path) {
  std::ifstream in(path);
  std::vector<cv::Point2d> points;
  double x = 0, y = 0;
  while (in >> x >> y)
    points.emplace_back(x, y);
  EXPECT_EQ(points.size(), 68u) << path;
  return points;
}

at::Tensor npy(const std::string& name) {
  return drig::formats::load_npy(pre_dir() / (name + ".npy")).tensor.to(at::kDouble);
}

// The reference tform is float32, so a translation near 100 carries up to
// 4e-6 of storage rounding: allow that on top of the 1e-6.
void expect_tform_near(const cv::Matx33d& actual, const at::Tensor& expected) {
  ASSERT_EQ(expected.sizes(), (at::IntArrayRef{3, 3}));
  double worst = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      const double e = expected[r][c].item<double>();
      EXPECT_NEAR(actual(r, c), e, 1e-6 + 6e-8 * std::abs(e)) << "tform(" << r << "," << c << ")";
      worst = std::max(worst, std::abs(float(actual(r, c)) - e));
    }
  std::cout << "tform max abs error after float32 rounding " << worst << "\n";
}

// crop (224x224 RGB float) against a (3,224,224) reference; returns the max abs error.
double crop_error(const cv::Mat& crop, const at::Tensor& expected) {
  EXPECT_EQ(crop.type(), CV_32FC3);
  EXPECT_EQ(expected.sizes(), (at::IntArrayRef{3, crop.rows, crop.cols}));
  const auto e = expected.accessor<double, 3>();
  double worst = 0;
  for (int y = 0; y < crop.rows; ++y)
    for (int x = 0; x < crop.cols; ++x)
      for (int c = 0; c < 3; ++c)
        worst = std::max(worst, std::abs(double(crop.at<cv::Vec3f>(y, x)[c]) - e[c][y][x]));
  return worst;
}

TEST(DecaPreprocess, DecaCropMatchesOriginal) {
  DRIG_REQUIRE_SHARED();
  const DecaCrop crop = drig::fitting::deca_crop(read_rgb(pre_dir() / "deca_input.png"),
                                                 read_landmarks(pre_dir() / "deca_input.txt"));
  expect_tform_near(crop.tform, npy("deca_tform"));
  ASSERT_EQ(crop.image.size(), cv::Size(224, 224));
  const double error = crop_error(crop.image, npy("deca_crop"));
  std::cout << "DECA crop max abs error " << error << "\n";
  EXPECT_LE(error, 1e-5);
}

TEST(DecaPreprocess, DiffusionRigResizeAndCropMatchOriginal) {
  DRIG_REQUIRE_SHARED();
  const cv::Mat resized =
      drig::fitting::diffusionrig_resize(read_rgb(pre_dir() / "drig_input.png"));
  ASSERT_EQ(resized.size(), cv::Size(256, 256));
  ASSERT_EQ(resized.type(), CV_8UC3);
  const at::Tensor original = npy("drig_original_256");
  const auto o = original.accessor<double, 3>();
  int64_t differing = 0;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x)
      for (int c = 0; c < 3; ++c)
        differing += resized.at<cv::Vec3b>(y, x)[c] != std::lround(o[c][y][x] * 255.0);
  EXPECT_EQ(differing, 0) << "bytes that differ from skimage's resize";

  const DecaCrop crop =
      drig::fitting::deca_crop(resized, read_landmarks(pre_dir() / "drig_input.txt"));
  expect_tform_near(crop.tform, npy("drig_tform"));
  const double error = crop_error(crop.image, npy("drig_crop"));
  std::cout << "DiffusionRig crop max abs error " << error << "\n";
  EXPECT_LE(error, 1e-5);
}

TEST(DecaPreprocess, ResizeAt256MapsTheKnownBytesDown) {
  // Every byte value in every channel, at the size DiffusionRig already has.
  cv::Mat image(256, 256, CV_8UC3);
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x)
      image.at<cv::Vec3b>(y, x) = {uint8_t(x), uint8_t(x + y), uint8_t(255 - y)};
  const std::set<int> lowered = {33, 37,  41,  45,  49,  53,  57,  61,  66,  74,  82,  90,
                                 98, 106, 114, 122, 132, 148, 164, 180, 196, 212, 228, 244};
  const cv::Mat out = drig::fitting::diffusionrig_resize(image, 256);
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x)
      for (int c = 0; c < 3; ++c) {
        const int k = image.at<cv::Vec3b>(y, x)[c];
        ASSERT_EQ(out.at<cv::Vec3b>(y, x)[c], lowered.count(k) ? k - 1 : k)
            << "value " << k << " at " << x << "," << y;
      }
}

TEST(DecaPreprocess, ResizeHandlesGreyAndUpscaling) {
  cv::Mat grey(40, 30, CV_8UC1, cv::Scalar(200));
  const cv::Mat up = drig::fitting::diffusionrig_resize(grey, 64);
  ASSERT_EQ(up.type(), CV_8UC3);
  // A flat image stays flat (200 is not one of the lowered values).
  EXPECT_EQ(cv::countNonZero(up.reshape(1) != 200), 0);
}

TEST(SkimageWarp, PixelCentresAndConstantBorder) {
  cv::Mat image(2, 3, CV_64FC1);
  image.at<double>(0, 0) = 0.8;
  image.at<double>(0, 1) = 0.6;
  image.at<double>(0, 2) = 0.4;
  image.at<double>(1, 0) = 0.2;
  image.at<double>(1, 1) = 0.3;
  image.at<double>(1, 2) = 0.5;
  namespace sk = drig::fitting::skimage;
  const cv::Mat same = sk::warp_bilinear(image, cv::Matx33d::eye(), {3, 2});
  EXPECT_EQ(cv::norm(same, image, cv::NORM_INF), 0.0);
  // Output x maps to input x - 0.5: the first and last columns blend with the
  // black border, the others average neighbours.
  const cv::Mat shifted = sk::warp_bilinear(image, {1, 0, -0.5, 0, 1, 0, 0, 0, 1}, {4, 2});
  EXPECT_DOUBLE_EQ(shifted.at<double>(0, 0), 0.4);
  EXPECT_DOUBLE_EQ(shifted.at<double>(0, 1), 0.7);
  EXPECT_DOUBLE_EQ(shifted.at<double>(1, 2), 0.4);
  EXPECT_DOUBLE_EQ(shifted.at<double>(0, 3), 0.2);
  // 0.1 here, but no output pixel is exactly the border value, so skimage's
  // clip to the input range [0.2, 0.8] lifts it.
  EXPECT_DOUBLE_EQ(shifted.at<double>(1, 0), 0.2);
  // With pure border pixels in the output the range widens to 0 and blends stay.
  const cv::Mat wide = sk::warp_bilinear(image, {1, 0, -0.5, 0, 1, 0, 0, 0, 1}, {6, 2});
  EXPECT_EQ(wide.at<double>(0, 5), 0.0);
  EXPECT_DOUBLE_EQ(wide.at<double>(1, 0), 0.1);
  const cv::Mat outside = sk::warp_bilinear(image, {1, 0, 10, 0, 1, 0, 0, 0, 1}, {2, 2});
  EXPECT_EQ(cv::countNonZero(outside), 0);
}

TEST(SkimageSimilarity, RecoversRotationScaleTranslationWithoutReflection) {
  namespace sk = drig::fitting::skimage;
  const double a = 0.3, s = 1.7;
  const cv::Matx33d truth(s * std::cos(a), -s * std::sin(a), 12.5, s * std::sin(a), s * std::cos(a),
                          -4.0, 0, 0, 1);
  std::vector<cv::Point2d> src = {{0, 0}, {10, 3}, {-4, 7}, {5, -6}, {2, 2}}, dst, mirrored;
  for (const auto& p : src) {
    const cv::Vec3d q = truth * cv::Vec3d(p.x, p.y, 1);
    dst.emplace_back(q[0], q[1]);
    mirrored.emplace_back(-q[0], q[1]);
  }
  const cv::Matx33d fit = sk::estimate_similarity(src, dst);
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(fit.val[i], truth.val[i], 1e-12) << i;
  const cv::Matx33d no_reflection = sk::estimate_similarity(src, mirrored);
  EXPECT_GT(no_reflection(0, 0) * no_reflection(1, 1) - no_reflection(0, 1) * no_reflection(1, 0),
            0);
  EXPECT_NE(drig::test::error_of([&] {
              sk::estimate_similarity({{1, 1}, {1, 1}}, {{0, 0}, {1, 1}});
            }).find("coincide"),
            std::string::npos);
}

TEST(DecaPreprocess, RejectsBadInput) {
  const cv::Mat image(10, 10, CV_8UC3, cv::Scalar(1, 2, 3));
  EXPECT_NE(drig::test::error_of([&] {
              drig::fitting::deca_crop(image, {{1, 1}, {2, 2}});
            }).find("68 landmarks"),
            std::string::npos);
  EXPECT_NE(
      drig::test::error_of([&] { drig::fitting::diffusionrig_resize(cv::Mat()); }).find("8-bit"),
      std::string::npos);
}

} // namespace
