#pragma once

#include "training/photo_io/image_file.h"

#include <opencv2/core/mat.hpp>

#include <string_view>

namespace drig::image_io::detail {

// The EXIF orientation (tag 274, 1..8) stored in `file`; 1 when absent or
// unreadable. HEIF files keep theirs in a metadata block: see heif_decode.
int read_exif_orientation(std::string_view file, ImageFormat format);

// The orientation in an EXIF block, with or without the "Exif\0\0" prefix.
int exif_block_orientation(std::string_view exif);

// `image` turned upright as a viewer shows it (EXIF orientation semantics).
cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation);

} // namespace drig::image_io::detail
