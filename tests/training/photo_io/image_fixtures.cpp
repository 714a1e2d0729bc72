#include "tests/training/photo_io/image_fixtures.h"

#include <jpeglib.h>
#include <lcms2.h>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace drig::test::image_io {
namespace {

std::string be16(uint16_t v) {
  return {char(v >> 8), char(v & 0xFF)};
}
std::string be32(uint32_t v) {
  return be16(uint16_t(v >> 16)) + be16(uint16_t(v & 0xFFFF));
}

std::string saved(cmsHPROFILE profile) {
  cmsUInt32Number size = 0;
  cmsSaveProfileToMem(profile, nullptr, &size);
  std::string bytes(size, '\0');
  cmsSaveProfileToMem(profile, bytes.data(), &size);
  cmsCloseProfile(profile);
  return bytes;
}

} // namespace

std::string encode(const std::string& extension, const cv::Mat& bgr,
                   const std::vector<int>& params) {
  std::vector<uchar> bytes;
  if (!cv::imencode(extension, bgr, bytes, params))
    throw std::runtime_error("imencode " + extension + " failed");
  return std::string(bytes.begin(), bytes.end());
}

void write_bytes(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string exif_block(int orientation, bool big_endian) {
  const auto u16 = [&](uint16_t v) {
    return big_endian ? be16(v) : std::string{char(v & 0xFF), char(v >> 8)};
  };
  const auto u32 = [&](uint32_t v) {
    return big_endian ? be32(v) : u16(uint16_t(v & 0xFFFF)) + u16(uint16_t(v >> 16));
  };
  std::string block("Exif\0\0", 6);
  block += big_endian ? "MM" : "II";
  block += u16(42) + u32(8);                                  // header, IFD0 right after it
  block += u16(1);                                            // one entry
  block += u16(0x0112) + u16(3) + u32(1);                     // Orientation, SHORT, count 1
  block += u16(uint16_t(orientation)) + std::string(2, '\0'); // value, padded to 4 bytes
  block += u32(0);                                            // no next IFD
  return block;
}

std::string with_jpeg_segment(const std::string& jpeg, uint8_t marker, std::string_view payload) {
  std::string segment{char(0xFF), char(marker)};
  segment += be16(uint16_t(payload.size() + 2));
  segment += payload;
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

std::string png_chunk(std::string_view type, std::string_view data) {
  std::string body(type);
  body += data;
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()));
  return be32(uint32_t(data.size())) + body + be32(uint32_t(crc));
}

std::string with_png_chunks(const std::string& png, std::string_view chunks) {
  const std::size_t after_ihdr = 8 + 12 + 13;
  return png.substr(0, after_ihdr) + std::string(chunks) + png.substr(after_ihdr);
}

std::string zlib_compress(std::string_view data) {
  uLongf size = compressBound(uLong(data.size()));
  std::string out(size, '\0');
  compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
           uLong(data.size()));
  out.resize(size);
  return out;
}

std::string raw_png(uint32_t width, uint32_t height, int bit_depth, int colour_type,
                    std::string_view samples) {
  std::string png("\x89PNG\r\n\x1A\n", 8);
  png += png_chunk("IHDR", be32(width) + be32(height) +
                               std::string{char(bit_depth), char(colour_type), 0, 0, 0});
  if (!samples.empty()) {
    const std::size_t row = samples.size() / height;
    std::string filtered;
    for (uint32_t y = 0; y < height; ++y)
      filtered += '\0' + std::string(samples.substr(y * row, row));
    png += png_chunk("IDAT", zlib_compress(filtered));
  }
  return png + png_chunk("IEND", "");
}

std::string srgb_profile() {
  return saved(cmsCreate_sRGBProfile());
}

std::string wide_gamut_profile() {
  const cmsCIExyY d65{0.3127, 0.3290, 1.0};
  const cmsCIExyYTRIPLE primaries{{0.64, 0.33, 1.0}, {0.21, 0.71, 1.0}, {0.15, 0.06, 1.0}};
  cmsToneCurve* gamma = cmsBuildGamma(nullptr, 2.2);
  cmsToneCurve* curves[3] = {gamma, gamma, gamma};
  cmsHPROFILE profile = cmsCreateRGBProfile(&d65, &primaries, curves);
  cmsFreeToneCurve(gamma);
  cmsMLU* description = cmsMLUalloc(nullptr, 1);
  cmsMLUsetASCII(description, "en", "US", "Wide test RGB");
  cmsWriteTag(profile, cmsSigProfileDescriptionTag, description);
  cmsMLUfree(description);
  return saved(profile);
}

std::string jpeg_icc_payload(std::string_view profile) {
  return std::string("ICC_PROFILE\0\x01\x01", 14) + std::string(profile);
}

std::string png_iccp_chunk(std::string_view profile) {
  return png_chunk("iCCP", std::string("icc\0\0", 5) + zlib_compress(profile));
}

std::string cmyk_jpeg(const cv::Mat& ink) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr error{};
  cinfo.err = jpeg_std_error(&error);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = JDIMENSION(ink.cols);
  cinfo.image_height = JDIMENSION(ink.rows);
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo); // writes the Adobe marker for CMYK
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  cv::Mat inverted = cv::Scalar::all(255) - ink;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = inverted.ptr(int(cinfo.next_scanline));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string bytes(reinterpret_cast<char*>(buffer), size);
  std::free(buffer);
  return bytes;
}

} // namespace drig::test::image_io
