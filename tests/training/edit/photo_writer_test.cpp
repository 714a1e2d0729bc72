// Writing an edited photo the way its source was: EXIF (also as TIFF tags),
// ICC profile and bit depth.
#include "tests/support/test_paths.h"
#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>
#include <lcms2.h>
#include <tiffio.h>

#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace drig;
using namespace drig::editing;

TEST(PhotoWriter, KeepsExifIccAndBitDepth) {
  test::TempDir dir("photo_writer");
  // A minimal little-endian EXIF block: IFD0 with orientation 6.
  std::string exif("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0", 26);
  // A real profile (libpng checks what it reads): sRGB from LittleCMS.
  std::string icc;
  {
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsUInt32Number n = 0;
    cmsSaveProfileToMem(srgb, nullptr, &n);
    icc.resize(n);
    cmsSaveProfileToMem(srgb, icc.data(), &n);
    cmsCloseProfile(srgb);
  }
  PhotoMetadata m{exif, icc};
  cv::Mat rgb16(40, 60, CV_16UC3);
  cv::randu(rgb16, 0, 65536);
  write_photo(dir / "out.png", rgb16, m);
  write_photo(dir / "out.jpg", rgb16, m, {90, 0});
  for (const char* name : {"out.png", "out.jpg"}) {
    const PhotoMetadata back = read_metadata(dir / name);
    EXPECT_EQ(back.icc, icc) << name;
    ASSERT_EQ(back.exif.size(), exif.size()) << name;
    EXPECT_EQ(back.exif[18], 1) << name << ": the orientation must be reset (pixels are upright)";
  }
  const cv::Mat png = cv::imread((dir / "out.png").string(), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(png.depth(), CV_16U);
  cv::Mat rgb;
  cv::cvtColor(png, rgb, cv::COLOR_BGR2RGB);
  EXPECT_EQ(cv::norm(rgb, rgb16, cv::NORM_INF), 0);
  EXPECT_EQ(cv::imread((dir / "out.jpg").string(), cv::IMREAD_UNCHANGED).depth(), CV_8U);
  write_photo(dir / "out8.tif", rgb16, {}, {95, 8});
  EXPECT_EQ(cv::imread((dir / "out8.tif").string(), cv::IMREAD_UNCHANGED).depth(), CV_8U);
  // TIFF: 16-bit pixels exactly, and the colour profile (EXIF: next test).
  write_photo(dir / "out16.tif", rgb16, m);
  EXPECT_EQ(read_metadata(dir / "out16.tif").icc, icc);
  const cv::Mat tif = cv::imread((dir / "out16.tif").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(tif.depth(), CV_16U);
  cv::Mat tif_rgb;
  cv::cvtColor(tif, tif_rgb, cv::COLOR_BGR2RGB);
  EXPECT_EQ(cv::norm(tif_rgb, rgb16, cv::NORM_INF), 0);
  EXPECT_NE(test::error_of([&] { write_photo(dir / "out.gif", rgb16, {}); }).find(".gif"),
            std::string::npos);
}

namespace {

// A big-endian EXIF block, as many cameras write it: IFD0 with Make and the
// two sub-directory pointers; Exif IFD with ExposureProgram (SHORT),
// DateTimeOriginal (ASCII) and a maker note; GPS IFD with GPSLatitudeRef.
std::string big_endian_exif() {
  std::string b;
  const auto u16 = [&](uint16_t v) { b += char(v >> 8), b += char(v & 0xff); };
  const auto u32 = [&](uint32_t v) { u16(uint16_t(v >> 16)), u16(uint16_t(v & 0xffff)); };
  const auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
    u16(tag), u16(type), u32(count), u32(value);
  };
  b += "MM";
  u16(42), u32(8);
  // IFD0 at 8: 3 entries -> 8 + 2 + 36 + 4 = 50; "TestCam\0" at 50.
  u16(3);
  entry(0x010f, 2, 8, 50);
  entry(0x8769, 4, 1, 58);
  entry(0x8825, 4, 1, 104);
  u32(0);
  b += std::string("TestCam\0", 8);
  // Exif IFD at 58: 3 entries -> 58 + 42 = 100... values after the GPS IFD.
  u16(3);
  b += std::string("\x88\x22\x00\x03\x00\x00\x00\x01\x00\x03\x00\x00", 12);
  entry(0x9003, 2, 20, 126);
  entry(0x927c, 7, 8, 146);
  u32(0);
  b += std::string(4, '\0'); // pad to 104
  // GPS IFD at 104: 1 entry, "N\0" inline.
  u16(1);
  b += std::string("\x00\x01\x00\x02\x00\x00\x00\x02N\0\0\0", 12);
  u32(0);
  b += std::string(4, '\0'); // pad to 126
  b += std::string("2020:01:02 03:04:05\0", 20);
  b += "MAKERNTE";
  return b;
}

std::string tiff_ascii(TIFF* tif, uint32_t tag) {
  char* value = nullptr;
  return TIFFGetField(tif, tag, &value) == 1 && value ? std::string(value) : std::string("(none)");
}

} // namespace

TEST(PhotoWriter, TiffCarriesTheExifAsTags) {
  test::TempDir dir("photo_writer_tiff_exif");
  const std::string exif = big_endian_exif();
  ASSERT_EQ(exif.size(), 154u);
  cv::Mat rgb(30, 20, CV_8UC3, cv::Scalar(10, 200, 30));
  write_photo(dir / "out.tif", rgb, {exif, {}});
  TIFF* tif = TIFFOpen((dir / "out.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  EXPECT_EQ(tiff_ascii(tif, TIFFTAG_MAKE), "TestCam");
  uint32_t width = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  EXPECT_EQ(width, 20u) << "the image's own tags stay";
  std::vector<uint8_t> row(size_t(TIFFScanlineSize(tif)));
  for (uint32_t y = 0; y <= 5; ++y) // LZW reads rows in order
    ASSERT_EQ(TIFFReadScanline(tif, row.data(), y, 0), 1);
  EXPECT_EQ(row[3 * 7 + 1], 200) << "the pixels still read";
  toff_t exif_at = 0, gps_at = 0;
  ASSERT_EQ(TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif_at), 1);
  ASSERT_EQ(TIFFGetField(tif, TIFFTAG_GPSIFD, &gps_at), 1);
  ASSERT_EQ(TIFFReadEXIFDirectory(tif, exif_at), 1);
  EXPECT_EQ(tiff_ascii(tif, EXIFTAG_DATETIMEORIGINAL), "2020:01:02 03:04:05");
  uint16_t program = 0;
  ASSERT_EQ(TIFFGetField(tif, EXIFTAG_EXPOSUREPROGRAM, &program), 1);
  EXPECT_EQ(program, 3) << "a big-endian SHORT, swapped";
  void* note = nullptr;
  uint32_t note_size = 0;
  EXPECT_EQ(TIFFGetField(tif, EXIFTAG_MAKERNOTE, &note_size, &note), 0)
      << "the maker note's offsets only hold in the camera's file";
  ASSERT_EQ(TIFFReadGPSDirectory(tif, gps_at), 1);
  EXPECT_EQ(tiff_ascii(tif, GPSTAG_LATITUDEREF), "N");
  TIFFClose(tif);

  // A real camera's EXIF (Nikon D50, little-endian) through a JPEG source.
  DRIG_REQUIRE_SHARED();
  const fs::path nikon = test::shared_dir() / "testdata/faces/portraits/exp_4.jpg";
  write_photo(dir / "nikon.tif", rgb, read_metadata(nikon));
  tif = TIFFOpen((dir / "nikon.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  EXPECT_EQ(tiff_ascii(tif, TIFFTAG_MODEL), "NIKON D50");
  ASSERT_EQ(TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif_at), 1);
  ASSERT_EQ(TIFFReadEXIFDirectory(tif, exif_at), 1);
  EXPECT_EQ(tiff_ascii(tif, EXIFTAG_DATETIMEORIGINAL), "2009:08:26 12:45:19");
  TIFFClose(tif);
}
