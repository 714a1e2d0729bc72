#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace drig {
class OptionCheck;
}

namespace drig::image_io {

// Container formats recognised from a file's first bytes (never from its name).
enum class ImageFormat { Unknown, Jpeg, Png, Tiff, WebP, Bmp, Heif };

const char* format_name(ImageFormat format);

// The format whose signature starts `head` (a file's first 32 bytes are enough).
ImageFormat sniff_format(std::string_view head);

struct LoadOptions {
  // Refuse images larger than this before decoding them (decompression bombs).
  double max_megapixels = 150.0;
  // Rotate/flip by the EXIF orientation tag (the original align.py ignores it).
  bool apply_orientation = true;
  // Convert pixels from an embedded ICC profile to sRGB. Profiles equivalent to
  // sRGB are left alone so the decoded values stay bit-identical.
  bool convert_icc = true;
  // Keep 16-bit sources at 16 bits (CV_16UC3); otherwise everything is CV_8UC3.
  bool keep_16bit = true;
  // Also return the pixels before the ICC conversion (LoadedImage::unconverted):
  // what the original align.py, which ignores profiles, detected faces on.
  bool keep_unconverted = false;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// What was found in the file and what was done to it; recorded in sidecars.
struct ImageInfo {
  ImageFormat format = ImageFormat::Unknown;
  int source_width = 0; // as stored, before orientation
  int source_height = 0;
  int bit_depth = 8;        // of the stored samples
  std::string colour_model; // "rgb", "gray", "cmyk", "palette"
  bool had_alpha = false;   // alpha was composited over white
  int exif_orientation = 1; // 1..8 as stored (1 when absent)
  bool orientation_applied = false;
  bool had_icc_profile = false;
  bool icc_converted = false;  // false for sRGB-equivalent profiles
  std::string icc_description; // the profile's description tag, if any
};

struct LoadedImage {
  cv::Mat rgb; // RGB channel order (not OpenCV's BGR), CV_8UC3 or CV_16UC3
  ImageInfo info;
  // With keep_unconverted and a converted profile: `rgb` before the ICC
  // conversion (same orientation, depth and size); empty otherwise.
  cv::Mat unconverted;
};

// Decodes a photo as cameras and phones write it: JPEG, PNG, TIFF (8/16-bit),
// WebP, BMP, HEIC/HEIF. Throws drig::Error naming the file and the reason
// (unreadable, empty, truncated, not an image, too many megapixels, ...).
LoadedImage load_image(const std::filesystem::path& path, const LoadOptions& options = {});

// 8-bit RGB view of a loaded image (16-bit scaled by 1/257, rounded).
cv::Mat to_rgb8(const cv::Mat& rgb);

// Width and height declared by the file's header, read without decoding the
// pixels (what the megapixel guard checks). Throws drig::Error when unreadable.
struct ImageSize {
  int width = 0;
  int height = 0;
};
ImageSize read_declared_size(const std::filesystem::path& path);

} // namespace drig::image_io
