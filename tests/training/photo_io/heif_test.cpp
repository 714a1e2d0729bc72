#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"

#include "tests/support/test_paths.h"
#include "tests/training/photo_io/image_fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libheif/heif.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <fstream>
#include <iterator>

namespace drig::image_io {
namespace {

namespace fx = drig::test::image_io;

// Encodes `rgb` (CV_8UC3, RGB order) as a lossy HEIC file with libheif,
// with an Exif item and an ICC profile when given.
void write_heic(const cv::Mat& rgb, const std::filesystem::path& path, const std::string& exif = {},
                const std::string& icc = {}) {
  heif_context* context = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  ASSERT_EQ(heif_context_get_encoder_for_format(context, heif_compression_HEVC, &encoder).code,
            heif_error_Ok);
  heif_encoder_set_lossy_quality(encoder, 90);
  heif_image* image = nullptr;
  ASSERT_EQ(heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB, heif_chroma_interleaved_RGB,
                              &image)
                .code,
            heif_error_Ok);
  heif_image_add_plane(image, heif_channel_interleaved, rgb.cols, rgb.rows, 8);
  int stride = 0;
  uint8_t* plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
  for (int y = 0; y < rgb.rows; ++y)
    std::memcpy(plane + y * stride, rgb.ptr(y), std::size_t(rgb.cols) * 3);
  if (!icc.empty()) {
    ASSERT_EQ(heif_image_set_raw_color_profile(image, "prof", icc.data(), icc.size()).code,
              heif_error_Ok);
  }
  heif_image_handle* handle = nullptr;
  ASSERT_EQ(heif_context_encode_image(context, image, encoder, nullptr, &handle).code,
            heif_error_Ok);
  if (!exif.empty()) {
    ASSERT_EQ(heif_context_add_exif_metadata(context, handle, exif.data(), int(exif.size())).code,
              heif_error_Ok);
  }
  heif_image_handle_release(handle);
  std::filesystem::create_directories(path.parent_path());
  ASSERT_EQ(heif_context_write_to_file(context, path.c_str()).code, heif_error_Ok);
  heif_image_release(image);
  heif_encoder_release(encoder);
  heif_context_free(context);
}

TEST(Heif, HeicNamedJpgLoadsThroughLibheif) {
  if (!heif_have_encoder_for_format(heif_compression_HEVC))
    GTEST_SKIP() << "libheif has no HEVC encoder here (heif_have_encoder_for_format false)";
  drig::test::TempDir tmp("image_io_heic");
  cv::Mat rgb(96, 128, CV_8UC3);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x)
      rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 2), uchar(y * 2), uchar(200 - x));
  rgb(cv::Rect(0, 0, 32, 32)).setTo(cv::Scalar(255, 0, 0));
  const auto path = tmp / "phone.jpg";
  write_heic(rgb, path);
  if (HasFatalFailure())
    return;

  const ImageSize declared = read_declared_size(path);
  EXPECT_EQ(declared.width, 128);
  EXPECT_EQ(declared.height, 96);
  const LoadedImage loaded = load_image(path);
  EXPECT_EQ(loaded.info.format, ImageFormat::Heif);
  EXPECT_EQ(loaded.info.bit_depth, 8);
  EXPECT_EQ(loaded.info.source_width, 128);
  EXPECT_EQ(loaded.info.exif_orientation, 1);
  ASSERT_EQ(loaded.rgb.type(), CV_8UC3);
  ASSERT_EQ(loaded.rgb.size(), rgb.size());
  EXPECT_LT(cv::norm(loaded.rgb, rgb, cv::NORM_L1) / double(rgb.total() * 3), 4.0);
  const cv::Vec3b red = loaded.rgb.at<cv::Vec3b>(16, 16);
  EXPECT_GT(red[0], 220);
  EXPECT_LT(red[1], 40);

  LoadOptions tiny;
  tiny.max_megapixels = 0.001;
  EXPECT_THAT(drig::test::error_of([&] { load_image(path, tiny); }),
              ::testing::HasSubstr("128x96"));
}

TEST(Heif, TruncatedHeicIsAnError) {
  if (!heif_have_encoder_for_format(heif_compression_HEVC))
    GTEST_SKIP() << "libheif has no HEVC encoder here (heif_have_encoder_for_format false)";
  drig::test::TempDir tmp("image_io_heic_cut");
  cv::Mat rgb(64, 64, CV_8UC3);
  cv::randu(rgb, 0, 256);
  write_heic(rgb, tmp / "whole.heic");
  if (HasFatalFailure())
    return;
  const std::string bytes = [&] {
    std::ifstream in(tmp / "whole.heic", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  fx::write_bytes(tmp / "cut.heic", bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(drig::test::error_of([&] { load_image(tmp / "cut.heic"); }),
              ::testing::StartsWith((tmp / "cut.heic").string() + ": "));
}

TEST(Heif, ExportKeepsTheExifItemAndColourProfile) {
  if (!heif_have_encoder_for_format(heif_compression_HEVC))
    GTEST_SKIP() << "libheif has no HEVC encoder here (heif_have_encoder_for_format false)";
  drig::test::TempDir tmp("image_io_heic_metadata");
  // Orientation 6: a phone held upright.
  const std::string exif = fx::exif_block(6), icc = fx::srgb_profile();
  const cv::Mat rgb(48, 64, CV_8UC3, cv::Scalar(30, 120, 220));
  write_heic(rgb, tmp / "phone.heic", exif, icc);
  if (HasFatalFailure())
    return;
  const editing::PhotoMetadata m = editing::read_metadata(tmp / "phone.heic");
  EXPECT_EQ(m.icc, icc);
  // The Exif item without its 4-byte offset prefix, orientation reset (the
  // exported pixels are upright).
  EXPECT_EQ(m.exif, fx::exif_block(1).substr(6)) << "without the \"Exif\\0\\0\" prefix too";
  EXPECT_EQ(load_image(tmp / "phone.heic").info.exif_orientation, 6);
  // Through to an exported JPEG.
  editing::write_photo(tmp / "out.jpg", rgb, m);
  const editing::PhotoMetadata out = editing::read_metadata(tmp / "out.jpg");
  EXPECT_EQ(out.icc, icc);
  EXPECT_EQ(out.exif, m.exif);
}

} // namespace
} // namespace drig::image_io
