#include "training/photo_io/image_file.h"

#include "tests/support/test_paths.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>

namespace drig::image_io {
namespace {

cv::Mat opencv_rgb(const std::filesystem::path& path) {
  cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  cv::cvtColor(bgr, bgr, cv::COLOR_BGR2RGB);
  return bgr;
}

// The alignment fixtures were made from the raw decoded pixels of this photo;
// its embedded sRGB profile must not change a single value.
TEST(RealPhotos, AlbumJpegWithSrgbProfileIsBitIdentical) {
  DRIG_REQUIRE_SHARED();
  const auto path = drig::test::shared_dir() / "testdata/albums/angelina/img1.jpg";
  const LoadedImage loaded = load_image(path);
  EXPECT_EQ(loaded.info.format, ImageFormat::Jpeg);
  EXPECT_TRUE(loaded.info.had_icc_profile);
  EXPECT_FALSE(loaded.info.icc_converted);
  EXPECT_EQ(loaded.info.exif_orientation, 1);
  EXPECT_FALSE(loaded.info.orientation_applied);
  const cv::Mat expected = opencv_rgb(path);
  ASSERT_EQ(loaded.rgb.size(), expected.size());
  EXPECT_EQ(cv::norm(loaded.rgb, expected, cv::NORM_INF), 0);
  std::cout << "img1.jpg: " << loaded.rgb.cols << "x" << loaded.rgb.rows << ", profile \""
            << loaded.info.icc_description << "\"\n";
}

TEST(RealPhotos, PngNamedJpg) {
  DRIG_REQUIRE_SHARED();
  const auto path = drig::test::shared_dir() / "testdata/faces/portraits/exp_1.jpg";
  const LoadedImage loaded = load_image(path);
  EXPECT_EQ(loaded.info.format, ImageFormat::Png);
  ASSERT_EQ(loaded.rgb.type(), CV_8UC3);
  const cv::Mat expected = opencv_rgb(path);
  ASSERT_EQ(loaded.rgb.size(), expected.size());
  if (!loaded.info.had_alpha && !loaded.info.icc_converted) {
    EXPECT_EQ(cv::norm(loaded.rgb, expected, cv::NORM_INF), 0);
  }
  std::cout << "exp_1.jpg: " << format_name(loaded.info.format) << " " << loaded.rgb.cols << "x"
            << loaded.rgb.rows << ", " << loaded.info.colour_model
            << (loaded.info.had_alpha ? " with alpha" : "") << "\n";
}

} // namespace
} // namespace drig::image_io
