#include "training/photo_io/exif_orientation.h"

#include "training/photo_io/container_chunks.h"

#include <libexif/exif-data.h>
#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace drig::image_io::detail {
namespace {

constexpr uint16_t kOrientationTag = 274;

int valid_or_default(uint64_t orientation) {
  return orientation >= 1 && orientation <= 8 ? static_cast<int>(orientation) : 1;
}

} // namespace

int exif_block_orientation(std::string_view exif) {
  const std::string_view prefix("Exif\0\0", 6);
  std::string block;
  if (exif.substr(0, 6) != prefix)
    block.append(prefix); // PNG eXIf and most WebP EXIF chunks hold the bare TIFF structure
  block.append(exif);
  std::unique_ptr<ExifData, decltype(&exif_data_unref)> data(exif_data_new(), &exif_data_unref);
  if (!data)
    return 1;
  // Read the tags as stored: "following the specification" would add or
  // rewrite entries, which is not what a reader should do.
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), reinterpret_cast<const unsigned char*>(block.data()),
                      static_cast<unsigned int>(block.size()));
  const ExifEntry* entry =
      exif_content_get_entry(data->ifd[EXIF_IFD_0], static_cast<ExifTag>(kOrientationTag));
  if (entry == nullptr || entry->format != EXIF_FORMAT_SHORT || entry->components < 1 ||
      entry->size < 2)
    return 1;
  return valid_or_default(exif_get_short(entry->data, exif_data_get_byte_order(data.get())));
}

int read_exif_orientation(std::string_view file, ImageFormat format) {
  switch (format) {
  case ImageFormat::Jpeg:
    for (const JpegSegment& segment : jpeg_header_segments(file))
      if (segment.marker == 0xE1 && segment.payload.substr(0, 6) == std::string_view("Exif\0\0", 6))
        return exif_block_orientation(segment.payload);
    return 1;
  case ImageFormat::Png:
    for (const Chunk& chunk : png_chunks(file))
      if (chunk.type == "eXIf")
        return exif_block_orientation(chunk.data);
    return 1;
  case ImageFormat::WebP:
    for (const Chunk& chunk : riff_chunks(file))
      if (chunk.type == "EXIF")
        return exif_block_orientation(chunk.data);
    return 1;
  case ImageFormat::Tiff: {
    // The tag sits in the TIFF's own first directory, which may lie anywhere in
    // a file of any size; libexif reads at most 64 KiB (the JPEG APP1 limit).
    const auto dir = TiffDirectory::parse(file);
    return dir ? valid_or_default(dir->number(kOrientationTag).value_or(1)) : 1;
  }
  default:
    return 1;
  }
}

cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
  case 2:
    cv::flip(image, out, 1);
    break;
  case 3:
    cv::rotate(image, out, cv::ROTATE_180);
    break;
  case 4:
    cv::flip(image, out, 0);
    break;
  case 5:
    cv::transpose(image, out);
    break;
  case 6:
    cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
    break;
  case 7:
    cv::transpose(image, out);
    cv::flip(out, out, -1);
    break;
  case 8:
    cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
    break;
  default:
    out = image;
    break;
  }
  return out;
}

} // namespace drig::image_io::detail
