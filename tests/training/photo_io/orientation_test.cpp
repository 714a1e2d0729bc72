#include "training/photo_io/image_file.h"

#include "tests/support/test_paths.h"
#include "tests/training/photo_io/image_fixtures.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace drig::image_io {
namespace {

namespace fx = drig::test::image_io;

enum Corner { TL, TR, BR, BL };

// 64x48, gray, with a red block in the stored top-left and a green one in the
// stored top-right: the two blocks together tell all eight orientations apart.
cv::Mat marked_card() {
  cv::Mat bgr(48, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  bgr(cv::Rect(0, 0, 16, 16)).setTo(cv::Scalar(0, 0, 255));
  bgr(cv::Rect(48, 0, 16, 16)).setTo(cv::Scalar(0, 255, 0));
  return bgr;
}

cv::Vec3b at_corner(const cv::Mat& rgb, Corner corner) {
  const int x = corner == TL || corner == BL ? 8 : rgb.cols - 9;
  const int y = corner == TL || corner == TR ? 8 : rgb.rows - 9;
  return rgb.at<cv::Vec3b>(y, x);
}

bool is_red(const cv::Vec3b& rgb) {
  return rgb[0] > 200 && rgb[1] < 60 && rgb[2] < 60;
}
bool is_green(const cv::Vec3b& rgb) {
  return rgb[0] < 60 && rgb[1] > 200 && rgb[2] < 60;
}

TEST(ExifOrientation, AllEightOrientationsOfJpeg) {
  drig::test::TempDir tmp("image_io_orientation");
  const std::string jpeg = fx::encode(".jpg", marked_card(), {cv::IMWRITE_JPEG_QUALITY, 95});
  // Where the stored top-left (red) and top-right (green) corners are shown.
  const Corner red[9] = {TL, TL, TR, BR, BL, TL, TR, BR, BL};
  const Corner green[9] = {TL, TR, TL, BL, BR, BL, BR, TR, TL};
  for (int orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE("orientation " + std::to_string(orientation));
    const auto path = tmp / ("o" + std::to_string(orientation) + ".jpg");
    fx::write_bytes(path, fx::with_jpeg_segment(jpeg, 0xE1, fx::exif_block(orientation)));
    const LoadedImage loaded = load_image(path);
    EXPECT_EQ(loaded.info.exif_orientation, orientation);
    EXPECT_EQ(loaded.info.orientation_applied, orientation != 1);
    EXPECT_EQ(loaded.info.source_width, 64);
    EXPECT_EQ(loaded.info.source_height, 48);
    const bool swapped = orientation >= 5;
    EXPECT_EQ(loaded.rgb.cols, swapped ? 48 : 64);
    EXPECT_EQ(loaded.rgb.rows, swapped ? 64 : 48);
    EXPECT_TRUE(is_red(at_corner(loaded.rgb, red[orientation])));
    EXPECT_TRUE(is_green(at_corner(loaded.rgb, green[orientation])));
    // The declared size is the stored one, whatever the orientation.
    EXPECT_EQ(read_declared_size(path).width, 64);
  }
}

TEST(ExifOrientation, CanBeLeftUnapplied) {
  drig::test::TempDir tmp("image_io_orientation_off");
  const std::string jpeg = fx::encode(".jpg", marked_card(), {cv::IMWRITE_JPEG_QUALITY, 95});
  fx::write_bytes(tmp / "o6.jpg", fx::with_jpeg_segment(jpeg, 0xE1, fx::exif_block(6)));
  LoadOptions options;
  options.apply_orientation = false;
  const LoadedImage loaded = load_image(tmp / "o6.jpg", options);
  EXPECT_EQ(loaded.info.exif_orientation, 6);
  EXPECT_FALSE(loaded.info.orientation_applied);
  EXPECT_EQ(loaded.rgb.cols, 64);
  EXPECT_TRUE(is_red(at_corner(loaded.rgb, TL)));
}

TEST(ExifOrientation, PngExifChunkBigEndian) {
  drig::test::TempDir tmp("image_io_orientation_png");
  const std::string png = fx::encode(".png", marked_card());
  // eXIf holds the bare TIFF structure, without the "Exif\0\0" prefix.
  const std::string exif = fx::exif_block(8, /*big_endian=*/true).substr(6);
  fx::write_bytes(tmp / "o8.png", fx::with_png_chunks(png, fx::png_chunk("eXIf", exif)));
  const LoadedImage loaded = load_image(tmp / "o8.png");
  EXPECT_EQ(loaded.info.exif_orientation, 8);
  EXPECT_TRUE(loaded.info.orientation_applied);
  EXPECT_EQ(loaded.rgb.size(), cv::Size(48, 64));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(63, 0), cv::Vec3b(255, 0, 0));
  EXPECT_EQ(loaded.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 255, 0));
}

TEST(ExifOrientation, OutOfRangeValueIsIgnored) {
  drig::test::TempDir tmp("image_io_orientation_bad");
  const std::string jpeg = fx::encode(".jpg", marked_card());
  fx::write_bytes(tmp / "o9.jpg", fx::with_jpeg_segment(jpeg, 0xE1, fx::exif_block(9)));
  const LoadedImage loaded = load_image(tmp / "o9.jpg");
  EXPECT_EQ(loaded.info.exif_orientation, 1);
  EXPECT_FALSE(loaded.info.orientation_applied);
  EXPECT_EQ(loaded.rgb.cols, 64);
}

} // namespace
} // namespace drig::image_io
