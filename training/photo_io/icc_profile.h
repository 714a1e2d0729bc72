#pragma once

#include "training/photo_io/image_file.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <string_view>

namespace drig::image_io::detail {

// The ICC profile embedded in `file`, empty when there is none. HEIF files
// keep theirs in the container: see heif_decode.
std::string extract_icc_profile(std::string_view file, ImageFormat format);

struct IccOutcome {
  bool converted = false;
  std::string description; // the profile's description tag, empty if unreadable
};

// Converts `pixels` (RGB channel order with 3 channels, or 1 gray channel;
// CV_8U or CV_16U) from `profile` to sRGB in place; a gray image becomes RGB.
// Left untouched when the profile is equivalent to sRGB, unreadable, or of a
// colour space that does not match the pixels (e.g. CMYK profiles, whose ink
// values the decoder has already turned into RGB).
IccOutcome convert_to_srgb(cv::Mat& pixels, std::string_view profile);

// The inverse: RGB `pixels` (CV_8UC3/CV_16UC3) from sRGB into an RGB
// `profile`'s space, in place. False (pixels untouched) when the profile is
// unreadable, not RGB, or equivalent to sRGB.
bool convert_from_srgb(cv::Mat& pixels, std::string_view profile);
// The profile's description tag; empty when the profile is unreadable.
std::string icc_description(std::string_view profile);

} // namespace drig::image_io::detail
