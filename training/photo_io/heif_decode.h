#pragma once

#include "training/photo_io/format_sniff.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <string_view>

namespace drig::image_io::detail {

struct HeifImage {
  // RGB or RGBA channel order; CV_8U, or CV_16U scaled to the full 16-bit
  // range when the stream has more than 8 bits per sample.
  cv::Mat pixels;
  int stored_width = 0; // before the container's rotation and mirroring
  int stored_height = 0;
  int bit_depth = 8;
  bool has_alpha = false;
  int exif_orientation = 1; // as recorded in the Exif block; libheif applies irot/imir
  std::string icc_profile;
};

// Size and depth of the primary image, without decoding it. Throws drig::Error
// starting with `name`.
HeaderFacts heif_header_facts(std::string_view file, const std::string& name);

struct HeifMetadata {
  std::string exif; // TIFF-structured (the container's offset prefix removed)
  std::string icc;
};
// The primary image's Exif block and ICC profile; empty where it has none.
HeifMetadata heif_metadata(std::string_view file, const std::string& name);

// Decodes the primary image. `apply_transformations` lets libheif rotate,
// mirror and crop it as the container says (what viewers show).
HeifImage decode_heif(std::string_view file, const std::string& name, bool apply_transformations);

} // namespace drig::image_io::detail
