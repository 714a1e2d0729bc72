#include "training/photo_io/image_file.h"

#include "model/base/error.h"

#include "tests/support/test_paths.h"
#include "tests/training/photo_io/image_fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace drig::image_io {
namespace {

namespace fx = drig::test::image_io;
using drig::test::error_of;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

cv::Mat noisy(int width, int height) {
  cv::Mat bgr(height, width, CV_8UC3);
  cv::randu(bgr, 0, 256);
  return bgr;
}

TEST(LoadErrors, TruncatedJpegIsRefused) {
  drig::test::TempDir tmp("image_io_truncated");
  const std::string jpeg = fx::encode(".jpg", noisy(256, 256));
  const auto path = tmp / "half.jpg";
  fx::write_bytes(path, jpeg.substr(0, jpeg.size() / 2));
  EXPECT_THAT(error_of([&] { load_image(path); }),
              AllOf(StartsWith(path.string() + ":"), HasSubstr("truncated")));

  // Bytes after the end-of-image marker (camera trailers) are fine.
  fx::write_bytes(tmp / "trailer.jpg", jpeg + std::string(5000, '\xFF') + "trailer");
  EXPECT_EQ(load_image(tmp / "trailer.jpg").rgb.cols, 256);
}

TEST(LoadErrors, TruncatedPngIsRefused) {
  drig::test::TempDir tmp("image_io_truncated_png");
  const std::string png = fx::encode(".png", noisy(128, 128));
  const auto path = tmp / "half.png";
  fx::write_bytes(path, png.substr(0, png.size() / 2));
  EXPECT_THAT(error_of([&] { load_image(path); }),
              AllOf(StartsWith(path.string() + ":"), HasSubstr("truncated")));
}

TEST(LoadErrors, MissingEmptyAndFolder) {
  drig::test::TempDir tmp("image_io_missing");
  EXPECT_THAT(error_of([&] { load_image(tmp / "nope.jpg"); }),
              AllOf(StartsWith((tmp / "nope.jpg").string() + ":"), HasSubstr("no such file")));
  fx::write_bytes(tmp / "empty.jpg", "");
  EXPECT_THAT(error_of([&] { load_image(tmp / "empty.jpg"); }),
              AllOf(StartsWith((tmp / "empty.jpg").string() + ":"), HasSubstr("empty (0 bytes)")));
  EXPECT_THAT(error_of([&] { read_declared_size(tmp / "empty.jpg"); }), HasSubstr("empty"));
  EXPECT_THAT(error_of([&] { load_image(tmp.path()); }), HasSubstr("is a folder"));
}

TEST(LoadErrors, TextFileNamedJpg) {
  drig::test::TempDir tmp("image_io_text");
  const auto path = tmp / "notes.jpg";
  fx::write_bytes(path, "Hello, this is not a photo\n");
  EXPECT_THAT(error_of([&] { load_image(path); }),
              AllOf(StartsWith(path.string() + ":"),
                    HasSubstr("not a supported image (starts with \"Hello, this is n\"")));
  fx::write_bytes(tmp / "anim.jpg", "GIF89a\x01\x00\x01\x00");
  EXPECT_THAT(error_of([&] { load_image(tmp / "anim.jpg"); }), HasSubstr("a GIF image"));
  fx::write_bytes(tmp / "bin.jpg", std::string("\x01\x02\x03\x04\x00\x05\x06\x07\x08", 9));
  EXPECT_THAT(error_of([&] { load_image(tmp / "bin.jpg"); }),
              HasSubstr("starts with bytes 01 02 03 04 00 05 06 07"));
}

TEST(LoadErrors, DecompressionBombIsRefusedBeforeDecoding) {
  drig::test::TempDir tmp("image_io_bomb");
  const auto path = tmp / "bomb.png";
  fx::write_bytes(path, fx::raw_png(60000, 60000, 8, 2, ""));
  const ImageSize declared = read_declared_size(path);
  EXPECT_EQ(declared.width, 60000);
  EXPECT_EQ(declared.height, 60000);
  EXPECT_THAT(error_of([&] { load_image(path); }),
              AllOf(StartsWith(path.string() + ":"), HasSubstr("60000x60000"),
                    HasSubstr("3600.0 megapixels"), HasSubstr("limit of 150 megapixels"),
                    HasSubstr("--max-megapixels")));

  LoadOptions options;
  options.max_megapixels = 1e6;
  EXPECT_THAT(error_of([&] { load_image(path, options); }),
              AllOf(StartsWith(path.string() + ":"), Not(HasSubstr("--max-megapixels")),
                    Not(HasSubstr("(no error)")), HasSubstr("PNG")));
}

TEST(LoadErrors, LimitAppliesToEveryFormat) {
  drig::test::TempDir tmp("image_io_limit");
  fx::write_bytes(tmp / "small.jpg", fx::encode(".jpg", noisy(200, 100)));
  LoadOptions options;
  options.max_megapixels = 0.01;
  EXPECT_THAT(error_of([&] { load_image(tmp / "small.jpg", options); }),
              AllOf(HasSubstr("200x100"), HasSubstr("limit of 0.01 megapixels")));
}

TEST(LoadErrors, CorruptHeadersNeverCrash) {
  drig::test::TempDir tmp("image_io_corrupt");
  const std::string jpeg = fx::encode(".jpg", noisy(64, 64));
  const std::string png = fx::encode(".png", noisy(64, 64));
  const std::string webp = fx::encode(".webp", noisy(64, 64));
  const std::string tiff = fx::encode(".tiff", noisy(64, 64));
  const std::string bmp = fx::encode(".bmp", noisy(64, 64));
  // Every prefix length up to a few hundred bytes, and some garbage in the body.
  for (const std::string* file : {&jpeg, &png, &webp, &tiff, &bmp}) {
    for (std::size_t cut : {4u, 12u, 20u, 30u, 40u, 100u, 300u}) {
      const auto path = tmp / "cut.img";
      fx::write_bytes(path, file->substr(0, cut));
      EXPECT_THAT(error_of([&] { load_image(path); }), StartsWith(path.string() + ":"))
          << "cut at " << cut;
    }
    std::string scrambled = *file;
    for (std::size_t i = 16; i < scrambled.size(); i += 7)
      scrambled[i] = char(scrambled[i] ^ 0x5A);
    fx::write_bytes(tmp / "scrambled.img", scrambled);
    try {
      load_image(tmp / "scrambled.img");
    } catch (const drig::Error&) {
    }
  }
}

} // namespace
} // namespace drig::image_io
