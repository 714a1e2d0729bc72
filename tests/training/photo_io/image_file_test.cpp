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

// A small BGR test card with every value distinct enough to catch channel swaps.
cv::Mat test_card(int depth = CV_8U) {
  cv::Mat card(24, 32, CV_MAKETYPE(depth, 3));
  const double scale = depth == CV_16U ? 257.0 : 1.0;
  for (int y = 0; y < card.rows; ++y)
    for (int x = 0; x < card.cols; ++x) {
      const cv::Scalar bgr(x * 8 * scale, y * 10 * scale, (255 - x * 4) * scale);
      if (depth == CV_16U)
        card.at<cv::Vec3w>(y, x) =
            cv::Vec3w(cv::saturate_cast<uint16_t>(bgr[0] + y),
                      cv::saturate_cast<uint16_t>(bgr[1] + x), cv::saturate_cast<uint16_t>(bgr[2]));
      else
        card.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(bgr[0]), uchar(bgr[1]), uchar(bgr[2]));
    }
  return card;
}

cv::Mat rgb_of(const cv::Mat& bgr) {
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, bgr.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
  return rgb;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.type() == b.type() && a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(ImageFile, SixteenBitPngKeepsExactValues) {
  drig::test::TempDir tmp("image_io_png16");
  const cv::Mat card = test_card(CV_16U);
  fx::write_bytes(tmp / "card.png", fx::encode(".png", card));
  const LoadedImage loaded = load_image(tmp / "card.png");
  EXPECT_EQ(loaded.info.format, ImageFormat::Png);
  EXPECT_EQ(loaded.info.bit_depth, 16);
  EXPECT_EQ(loaded.info.colour_model, "rgb");
  EXPECT_TRUE(identical(loaded.rgb, rgb_of(card)));

  LoadOptions eight;
  eight.keep_16bit = false;
  const LoadedImage narrowed = load_image(tmp / "card.png", eight);
  EXPECT_EQ(narrowed.rgb.type(), CV_8UC3);
  EXPECT_TRUE(identical(narrowed.rgb, to_rgb8(loaded.rgb)));
  EXPECT_EQ(to_rgb8(loaded.rgb).at<cv::Vec3b>(0, 0)[2], 0);
}

TEST(ImageFile, SixteenAndEightBitTiffKeepExactValues) {
  drig::test::TempDir tmp("image_io_tiff");
  const cv::Mat card16 = test_card(CV_16U);
  fx::write_bytes(tmp / "card16.tif", fx::encode(".tiff", card16));
  const LoadedImage wide = load_image(tmp / "card16.tif");
  EXPECT_EQ(wide.info.format, ImageFormat::Tiff);
  EXPECT_EQ(wide.info.bit_depth, 16);
  EXPECT_TRUE(identical(wide.rgb, rgb_of(card16)));

  const cv::Mat card8 = test_card();
  fx::write_bytes(tmp / "card8.tif", fx::encode(".tiff", card8));
  const LoadedImage narrow = load_image(tmp / "card8.tif");
  EXPECT_EQ(narrow.info.bit_depth, 8);
  EXPECT_TRUE(identical(narrow.rgb, rgb_of(card8)));
  EXPECT_EQ(read_declared_size(tmp / "card8.tif").width, 32);
  EXPECT_EQ(read_declared_size(tmp / "card8.tif").height, 24);
}

TEST(ImageFile, RgbaPngIsCompositedOverWhite) {
  drig::test::TempDir tmp("image_io_rgba");
  cv::Mat bgra(2, 3, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = {0, 0, 255, 0};   // transparent red: white
  bgra.at<cv::Vec4b>(0, 1) = {0, 0, 255, 255}; // opaque red
  bgra.at<cv::Vec4b>(0, 2) = {0, 0, 255, 128}; // half red
  bgra.row(1).setTo(cv::Scalar(10, 20, 30, 255));
  fx::write_bytes(tmp / "a.png", fx::encode(".png", bgra));
  const LoadedImage loaded = load_image(tmp / "a.png");
  EXPECT_TRUE(loaded.info.had_alpha);
  ASSERT_EQ(loaded.rgb.type(), CV_8UC3);
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 0, 0));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(255, 127, 127));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(1, 0), cv::Vec3b(30, 20, 10));

  cv::Mat bgra16(1, 2, CV_16UC4);
  bgra16.at<cv::Vec4w>(0, 0) = {0, 0, 65535, 32768};
  bgra16.at<cv::Vec4w>(0, 1) = {1000, 2000, 3000, 65535};
  fx::write_bytes(tmp / "a16.png", fx::encode(".png", bgra16));
  const LoadedImage wide = load_image(tmp / "a16.png");
  EXPECT_TRUE(wide.info.had_alpha);
  ASSERT_EQ(wide.rgb.type(), CV_16UC3);
  EXPECT_EQ(wide.rgb.at<cv::Vec3w>(0, 0), cv::Vec3w(65535, 32767, 32767));
  EXPECT_EQ(wide.rgb.at<cv::Vec3w>(0, 1), cv::Vec3w(3000, 2000, 1000));
}

TEST(ImageFile, GrayPlusAlphaBecomesRgbOverWhite) {
  drig::test::TempDir tmp("image_io_gray_alpha");
  // Colour type 4: (gray, alpha) pairs.
  const std::string samples("\x50\xFF\x50\x00\x00\x80", 6);
  fx::write_bytes(tmp / "ga.png", fx::raw_png(3, 1, 8, 4, samples));
  const LoadedImage loaded = load_image(tmp / "ga.png");
  EXPECT_TRUE(loaded.info.had_alpha);
  EXPECT_EQ(loaded.info.colour_model, "gray");
  ASSERT_EQ(loaded.rgb.type(), CV_8UC3);
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0x50, 0x50, 0x50));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 2), cv::Vec3b(127, 127, 127));
}

TEST(ImageFile, GrayscalePngAndJpegBecomeThreeChannels) {
  drig::test::TempDir tmp("image_io_gray");
  cv::Mat gray(16, 16, CV_8UC1);
  cv::randu(gray, 0, 256);
  fx::write_bytes(tmp / "g.png", fx::encode(".png", gray));
  const LoadedImage png = load_image(tmp / "g.png");
  EXPECT_EQ(png.info.colour_model, "gray");
  EXPECT_FALSE(png.info.had_alpha);
  EXPECT_TRUE(identical(png.rgb, rgb_of(gray)));

  const std::string jpeg = fx::encode(".jpg", gray);
  fx::write_bytes(tmp / "g.jpg", jpeg);
  const LoadedImage loaded = load_image(tmp / "g.jpg");
  EXPECT_EQ(loaded.info.colour_model, "gray");
  const cv::Mat decoded =
      cv::imdecode(std::vector<uchar>(jpeg.begin(), jpeg.end()), cv::IMREAD_GRAYSCALE);
  EXPECT_TRUE(identical(loaded.rgb, rgb_of(decoded)));
}

TEST(ImageFile, FormatComesFromContentNotExtension) {
  drig::test::TempDir tmp("image_io_sniff");
  const cv::Mat card = test_card();
  fx::write_bytes(tmp / "really_webp.jpg",
                  fx::encode(".webp", card, {cv::IMWRITE_WEBP_QUALITY, 101}));
  const LoadedImage webp = load_image(tmp / "really_webp.jpg");
  EXPECT_EQ(webp.info.format, ImageFormat::WebP);
  EXPECT_TRUE(identical(webp.rgb, rgb_of(card)));
  EXPECT_EQ(read_declared_size(tmp / "really_webp.jpg").width, 32);

  cv::Mat bgra;
  cv::cvtColor(card, bgra, cv::COLOR_BGR2BGRA);
  bgra.col(0).setTo(cv::Scalar(0, 0, 0, 0));
  fx::write_bytes(tmp / "alpha.webp", fx::encode(".webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 101}));
  const LoadedImage alpha = load_image(tmp / "alpha.webp");
  EXPECT_TRUE(alpha.info.had_alpha);
  EXPECT_EQ(alpha.rgb.at<cv::Vec3b>(5, 0), cv::Vec3b(255, 255, 255));

  fx::write_bytes(tmp / "bitmap.png", fx::encode(".bmp", card));
  const LoadedImage bmp = load_image(tmp / "bitmap.png");
  EXPECT_EQ(bmp.info.format, ImageFormat::Bmp);
  EXPECT_TRUE(identical(bmp.rgb, rgb_of(card)));
  EXPECT_EQ(read_declared_size(tmp / "bitmap.png").height, 24);
}

TEST(ImageFile, SniffRecognisesSignatures) {
  EXPECT_EQ(sniff_format("\xFF\xD8\xFF\xE0"), ImageFormat::Jpeg);
  EXPECT_EQ(sniff_format(std::string_view("MM\0*\0\0\0\x08", 8)), ImageFormat::Tiff);
  EXPECT_EQ(sniff_format(std::string_view("\0\0\0\x18"
                                          "ftypheic\0\0\0\0mif1heic",
                                          24)),
            ImageFormat::Heif);
  EXPECT_EQ(sniff_format(std::string_view("\0\0\0\x18"
                                          "ftypisom\0\0\0\0isomiso2",
                                          24)),
            ImageFormat::Unknown);
  EXPECT_EQ(sniff_format("BMW is a car maker"), ImageFormat::Unknown);
  EXPECT_EQ(sniff_format(""), ImageFormat::Unknown);
  EXPECT_STREQ(format_name(ImageFormat::Heif), "HEIF");
}

TEST(ImageFile, UnicodeAndSpacesInPath) {
  drig::test::TempDir tmp("image_io_unicode");
  const std::filesystem::path path = tmp.path() / std::filesystem::u8path("Fotos Ünïcödé") /
                                     std::filesystem::u8path(" 写真 1.jpg");
  const cv::Mat card = test_card();
  const std::string jpeg = fx::encode(".jpg", card);
  fx::write_bytes(path, jpeg);
  const LoadedImage loaded = load_image(path);
  const cv::Mat decoded =
      cv::imdecode(std::vector<uchar>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  EXPECT_TRUE(identical(loaded.rgb, rgb_of(decoded)));
  EXPECT_EQ(loaded.info.source_width, 32);
  EXPECT_EQ(loaded.info.colour_model, "rgb");
}

} // namespace
} // namespace drig::image_io
