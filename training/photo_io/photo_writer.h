#pragma once

// Writing an edited photo the way photographers expect: the source's EXIF
// (orientation reset to 1, since the pixels are stored upright) and its ICC
// profile carried over, 8- or 16-bit, JPEG quality as asked.
#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <string>

namespace drig {
class OptionCheck;
}

namespace drig::editing {

struct PhotoMetadata {
  std::string exif; // TIFF-structured EXIF block, without the "Exif\0\0" prefix
  std::string icc;  // the embedded ICC profile
};

// From a JPEG (APP1/APP2), PNG (eXIf/iCCP), HEIF (Exif item, colr), WebP or
// TIFF (ICC only) file; missing parts are empty. The EXIF orientation tag is
// rewritten to 1.
PhotoMetadata read_metadata(const std::filesystem::path& source);

struct WriteOptions {
  int jpeg_quality = 95;
  int bit_depth = 0; // 8 or 16; 0 = the image's own (JPEG is always 8)
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// rgb: CV_8UC3 or CV_16UC3, RGB order. The format comes from the extension
// (.jpg/.jpeg, .png, .tif/.tiff); EXIF and ICC go into each (in a TIFF the
// EXIF as tags, without the maker note). Written atomically; Error naming
// the file on failure.
void write_photo(const std::filesystem::path& path, const cv::Mat& rgb,
                 const PhotoMetadata& metadata, const WriteOptions& options = {});

// Sets the orientation tag (0x0112) of a TIFF-structured EXIF block to 1;
// returns false when the block has none or is malformed.
bool reset_exif_orientation(std::string& exif);

} // namespace drig::editing
