#include "model/base/error.h"
#include "training/photo_io/container_chunks.h"
#include "training/photo_io/format_sniff.h"
#include "training/photo_io/heif_decode.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace drig::image_io::detail {
namespace {

bool is_sof(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

HeaderFacts jpeg_facts(std::string_view file, const std::string& name) {
  for (const JpegSegment& segment : jpeg_header_segments(file)) {
    if (!is_sof(segment.marker) || segment.payload.size() < 6)
      continue;
    HeaderFacts facts;
    facts.bit_depth = static_cast<uint8_t>(segment.payload[0]);
    facts.height = read_be16(segment.payload, 1);
    facts.width = read_be16(segment.payload, 3);
    const int components = static_cast<uint8_t>(segment.payload[5]);
    // Four components are CMYK or YCCK (Adobe transform 2): both are ink separations.
    facts.colour_model = components == 1 ? "gray" : components == 4 ? "cmyk" : "rgb";
    DRIG_CHECK(facts.height != 0,
               "{}: the JPEG declares its height only after the image data (DNL marker), "
               "which is not supported",
               name);
    return facts;
  }
  fail("{}: corrupt JPEG: no frame header (SOF) before the image data", name);
}

HeaderFacts png_facts(std::string_view file, const std::string& name) {
  DRIG_CHECK(file.size() >= 33 && file.substr(12, 4) == "IHDR",
             "{}: corrupt PNG: the IHDR header chunk is missing", name);
  HeaderFacts facts;
  facts.width = static_cast<int>(std::min<uint32_t>(read_be32(file, 16), INT32_MAX));
  facts.height = static_cast<int>(std::min<uint32_t>(read_be32(file, 20), INT32_MAX));
  facts.bit_depth = static_cast<uint8_t>(file[24]);
  const int colour_type = static_cast<uint8_t>(file[25]);
  if (colour_type == 3) {
    facts.colour_model = "palette";
    facts.bit_depth = 8; // the palette entries, whatever the index width
  } else {
    facts.colour_model = (colour_type & 2) != 0 ? "rgb" : "gray";
  }
  return facts;
}

HeaderFacts tiff_facts(std::string_view file, const std::string& name) {
  const auto dir = TiffDirectory::parse(file);
  DRIG_CHECK(dir.has_value(), "{}: corrupt TIFF: its first image directory is unreadable", name);
  const auto width = dir->number(256);
  const auto height = dir->number(257);
  DRIG_CHECK(width && height, "{}: corrupt TIFF: the image size tags are missing", name);
  HeaderFacts facts;
  facts.width = static_cast<int>(std::min<uint64_t>(*width, INT32_MAX));
  facts.height = static_cast<int>(std::min<uint64_t>(*height, INT32_MAX));
  facts.bit_depth = static_cast<int>(dir->number(258).value_or(1));
  switch (dir->number(262).value_or(2)) {
  case 0:
  case 1:
    facts.colour_model = "gray";
    break;
  case 3:
    facts.colour_model = "palette";
    facts.bit_depth = 16; // TIFF colour maps hold 16-bit entries
    break;
  case 5:
    facts.colour_model = "cmyk";
    break;
  default:
    facts.colour_model = "rgb";
    break;
  }
  return facts;
}

HeaderFacts webp_facts(std::string_view file, const std::string& name) {
  const auto chunks = riff_chunks(file);
  DRIG_CHECK(!chunks.empty(), "{}: corrupt WebP: no chunk after the RIFF header", name);
  const Chunk& first = chunks.front();
  const std::string_view d = first.data;
  HeaderFacts facts;
  if (first.type == "VP8X" && d.size() >= 10) {
    facts.width = 1 + static_cast<int>(read_le32(d, 4) & 0xFFFFFF);
    facts.height = 1 + static_cast<int>(read_le32(d, 7) & 0xFFFFFF);
  } else if (first.type == "VP8L" && d.size() >= 5 && static_cast<uint8_t>(d[0]) == 0x2F) {
    const uint32_t bits = read_le32(d, 1);
    facts.width = 1 + static_cast<int>(bits & 0x3FFF);
    facts.height = 1 + static_cast<int>((bits >> 14) & 0x3FFF);
  } else if (first.type == "VP8 " && d.size() >= 10 && d.substr(3, 3) == "\x9D\x01\x2A") {
    facts.width = read_le16(d, 6) & 0x3FFF;
    facts.height = read_le16(d, 8) & 0x3FFF;
  } else {
    fail("{}: corrupt WebP: unrecognised first chunk '{}'", name, first.type);
  }
  return facts;
}

HeaderFacts bmp_facts(std::string_view file, const std::string& name) {
  const uint32_t dib = read_le32(file, 14);
  DRIG_CHECK(file.size() >= 14 + dib, "{}: corrupt BMP: the header is cut short", name);
  HeaderFacts facts;
  int bits = 0;
  if (dib == 12) {
    facts.width = read_le16(file, 18);
    facts.height = read_le16(file, 20);
    bits = read_le16(file, 24);
  } else {
    facts.width = static_cast<int32_t>(read_le32(file, 18));
    // Negative heights mark top-down rows; INT32_MIN has no positive counterpart.
    const int32_t height = static_cast<int32_t>(read_le32(file, 22));
    facts.height = height == INT32_MIN ? INT32_MAX : std::abs(height);
    bits = read_le16(file, 28);
  }
  facts.colour_model = bits <= 8 ? "palette" : "rgb";
  facts.bit_depth = bits == 16 ? 5 : 8;
  return facts;
}

} // namespace

HeaderFacts read_header_facts(std::string_view file, ImageFormat format, const std::string& name) {
  HeaderFacts facts;
  switch (format) {
  case ImageFormat::Jpeg:
    facts = jpeg_facts(file, name);
    break;
  case ImageFormat::Png:
    facts = png_facts(file, name);
    break;
  case ImageFormat::Tiff:
    facts = tiff_facts(file, name);
    break;
  case ImageFormat::WebP:
    facts = webp_facts(file, name);
    break;
  case ImageFormat::Bmp:
    facts = bmp_facts(file, name);
    break;
  case ImageFormat::Heif:
    facts = heif_header_facts(file, name);
    break;
  case ImageFormat::Unknown:
    fail("{}: {}", name, describe_unknown(file));
  }
  DRIG_CHECK(facts.width > 0 && facts.height > 0,
             "{}: corrupt {}: the header declares an empty size ({}x{})", name, format_name(format),
             facts.width, facts.height);
  return facts;
}

} // namespace drig::image_io::detail
