#pragma once

// EXIF in a TIFF file. A TIFF keeps EXIF not as one block (as JPEG, PNG and
// HEIF do) but as tags: the camera's text tags in the image's own directory
// and the rest in Exif and GPS sub-directories it points to.
#include <string>

namespace drig::editing {

// `tiff` (a classic little-endian TIFF, as libtiff writes it on x86 and ARM)
// with the TIFF-structured EXIF block's tags added: its Exif and GPS
// directories (without the maker note and the interoperability directory,
// whose offsets only hold in the camera's own file) and IFD0's description,
// make, model, date, artist and copyright. The image's own tags stay as they
// are. Returns `tiff` unchanged when the block cannot be read or the TIFF is
// not little-endian.
std::string tiff_with_exif(const std::string& tiff, const std::string& exif);

} // namespace drig::editing
