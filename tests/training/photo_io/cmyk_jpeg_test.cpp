#include "training/photo_io/image_file.h"

#include "tests/support/test_paths.h"
#include "tests/training/photo_io/image_fixtures.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace drig::image_io {
namespace {

namespace fx = drig::test::image_io;

TEST(CmykJpeg, BecomesRgbAndIsRecorded) {
  drig::test::TempDir tmp("image_io_cmyk");
  cv::Mat ink(32, 64, CV_8UC4);
  ink.colRange(0, 32).setTo(cv::Scalar(0, 255, 255, 0));  // magenta + yellow: red
  ink.colRange(32, 64).setTo(cv::Scalar(255, 255, 0, 0)); // cyan + magenta: blue
  fx::write_bytes(tmp / "print.jpg", fx::cmyk_jpeg(ink));
  const LoadedImage loaded = load_image(tmp / "print.jpg");
  EXPECT_EQ(loaded.info.format, ImageFormat::Jpeg);
  EXPECT_EQ(loaded.info.colour_model, "cmyk");
  EXPECT_FALSE(loaded.info.had_alpha);
  ASSERT_EQ(loaded.rgb.type(), CV_8UC3);
  ASSERT_EQ(loaded.rgb.size(), cv::Size(64, 32));
  const cv::Vec3b red = loaded.rgb.at<cv::Vec3b>(16, 8);
  const cv::Vec3b blue = loaded.rgb.at<cv::Vec3b>(16, 56);
  EXPECT_GT(red[0], 230);
  EXPECT_LT(red[1], 25);
  EXPECT_LT(red[2], 25);
  EXPECT_LT(blue[0], 25);
  EXPECT_LT(blue[1], 25);
  EXPECT_GT(blue[2], 230);
}

} // namespace
} // namespace drig::image_io
