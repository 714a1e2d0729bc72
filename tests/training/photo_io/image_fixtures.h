#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

// Builders for the test inputs of training/photo_io: every file the tests load
// is made here, byte by byte where OpenCV cannot write what is needed.
namespace drig::test::image_io {

std::string encode(const std::string& extension, const cv::Mat& bgr,
                   const std::vector<int>& params = {});
void write_bytes(const std::filesystem::path& path, std::string_view bytes);

// "Exif\0\0" + a TIFF structure whose IFD0 holds only Orientation (274).
std::string exif_block(int orientation, bool big_endian = false);

// `jpeg` with one more marker segment right after SOI.
std::string with_jpeg_segment(const std::string& jpeg, uint8_t marker, std::string_view payload);

// A PNG chunk with length and CRC, and `png` with chunks inserted after IHDR.
std::string png_chunk(std::string_view type, std::string_view data);
std::string with_png_chunks(const std::string& png, std::string_view chunks);

std::string zlib_compress(std::string_view data);

// A PNG written from scratch: rows of `samples` (big-endian for 16 bit), each
// row prefixed with filter 0. `samples` may be empty to leave out IDAT.
std::string raw_png(uint32_t width, uint32_t height, int bit_depth, int colour_type,
                    std::string_view samples);

// ICC profiles: lcms2's sRGB, and an Adobe-RGB-like one (wider green, gamma 2.2).
std::string srgb_profile();
std::string wide_gamut_profile();
std::string jpeg_icc_payload(std::string_view profile); // one APP2 "ICC_PROFILE" segment
std::string png_iccp_chunk(std::string_view profile);

// A CMYK JPEG as Photoshop writes it (Adobe marker, inverted ink values), from
// a CV_8UC4 image of ink amounts C, M, Y, K (255 = full ink).
std::string cmyk_jpeg(const cv::Mat& ink);

} // namespace drig::test::image_io
