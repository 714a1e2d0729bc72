#include "training/photo_io/image_file.h"

#include "tests/support/test_paths.h"
#include "tests/training/photo_io/image_fixtures.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace drig::image_io {
namespace {

namespace fx = drig::test::image_io;

cv::Mat swatches_bgr() {
  cv::Mat bgr(8, 24, CV_8UC3);
  bgr.colRange(0, 8).setTo(cv::Scalar(100, 200, 100)); // moderately saturated green
  bgr.colRange(8, 16).setTo(cv::Scalar(128, 128, 128));
  cv::randu(bgr.colRange(16, 24), 0, 256);
  return bgr;
}

cv::Mat decoded_rgb(const std::string& bytes) {
  cv::Mat bgr = cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR);
  cv::cvtColor(bgr, bgr, cv::COLOR_BGR2RGB);
  return bgr;
}

TEST(IccProfile, SrgbProfileLeavesJpegPixelsBitIdentical) {
  drig::test::TempDir tmp("image_io_icc_srgb");
  const std::string jpeg = fx::with_jpeg_segment(fx::encode(".jpg", swatches_bgr()), 0xE2,
                                                 fx::jpeg_icc_payload(fx::srgb_profile()));
  fx::write_bytes(tmp / "srgb.jpg", jpeg);
  const LoadedImage loaded = load_image(tmp / "srgb.jpg");
  EXPECT_TRUE(loaded.info.had_icc_profile);
  EXPECT_FALSE(loaded.info.icc_converted);
  EXPECT_EQ(loaded.info.icc_description, "sRGB built-in");
  EXPECT_EQ(cv::norm(loaded.rgb, decoded_rgb(jpeg), cv::NORM_INF), 0);
}

TEST(IccProfile, WideGamutPngIsConvertedToSrgb) {
  drig::test::TempDir tmp("image_io_icc_wide");
  const std::string png = fx::with_png_chunks(fx::encode(".png", swatches_bgr()),
                                              fx::png_iccp_chunk(fx::wide_gamut_profile()));
  fx::write_bytes(tmp / "wide.png", png);
  const LoadedImage loaded = load_image(tmp / "wide.png");
  EXPECT_TRUE(loaded.info.had_icc_profile);
  EXPECT_TRUE(loaded.info.icc_converted);
  EXPECT_EQ(loaded.info.icc_description, "Wide test RGB");
  // The same green needs more saturated sRGB values: red and blue drop.
  const cv::Vec3b green = loaded.rgb.at<cv::Vec3b>(4, 4);
  EXPECT_LT(green[0], 100 - 30);
  EXPECT_NEAR(green[1], 200, 12);
  EXPECT_LT(green[2], 100 - 4);
  // Neutral gray stays neutral (same white point, similar tone curve).
  const cv::Vec3b gray = loaded.rgb.at<cv::Vec3b>(4, 12);
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(gray[c], 128, 2);

  LoadOptions untouched;
  untouched.convert_icc = false;
  const LoadedImage raw = load_image(tmp / "wide.png", untouched);
  EXPECT_TRUE(raw.info.had_icc_profile);
  EXPECT_FALSE(raw.info.icc_converted);
  EXPECT_EQ(raw.info.icc_description, "Wide test RGB");
  EXPECT_EQ(cv::norm(raw.rgb, decoded_rgb(png), cv::NORM_INF), 0);
}

TEST(IccProfile, SixteenBitConversionKeepsSixteenBits) {
  drig::test::TempDir tmp("image_io_icc_16");
  cv::Mat bgr16;
  swatches_bgr().convertTo(bgr16, CV_16U, 257.0);
  fx::write_bytes(
      tmp / "wide16.png",
      fx::with_png_chunks(fx::encode(".png", bgr16), fx::png_iccp_chunk(fx::wide_gamut_profile())));
  const LoadedImage loaded = load_image(tmp / "wide16.png");
  EXPECT_TRUE(loaded.info.icc_converted);
  ASSERT_EQ(loaded.rgb.type(), CV_16UC3);
  const cv::Vec3w green = loaded.rgb.at<cv::Vec3w>(4, 4);
  EXPECT_LT(green[0], 70 * 257);
  EXPECT_NEAR(green[1], 200 * 257, 12 * 257);

  fx::write_bytes(tmp / "srgb16.png", fx::with_png_chunks(fx::encode(".png", bgr16),
                                                          fx::png_iccp_chunk(fx::srgb_profile())));
  const LoadedImage srgb = load_image(tmp / "srgb16.png");
  EXPECT_FALSE(srgb.info.icc_converted);
  cv::Mat expected;
  cv::cvtColor(bgr16, expected, cv::COLOR_BGR2RGB);
  EXPECT_EQ(cv::norm(srgb.rgb, expected, cv::NORM_INF), 0);
}

TEST(IccProfile, DamagedProfileIsIgnored) {
  drig::test::TempDir tmp("image_io_icc_damaged");
  const std::string jpeg = fx::with_jpeg_segment(fx::encode(".jpg", swatches_bgr()), 0xE2,
                                                 fx::jpeg_icc_payload("not a profile at all"));
  fx::write_bytes(tmp / "bad.jpg", jpeg);
  const LoadedImage loaded = load_image(tmp / "bad.jpg");
  EXPECT_TRUE(loaded.info.had_icc_profile);
  EXPECT_FALSE(loaded.info.icc_converted);
  EXPECT_EQ(loaded.info.icc_description, "");
  EXPECT_EQ(cv::norm(loaded.rgb, decoded_rgb(jpeg), cv::NORM_INF), 0);
}

} // namespace
} // namespace drig::image_io
