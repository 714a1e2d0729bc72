#include "training/photo_io/format_sniff.h"
#include "training/photo_io/container_chunks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace drig::image_io {
namespace {

bool starts_with(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

// ISO base media brands libheif decodes (HEVC and AV1 coded HEIF).
bool heif_brand(std::string_view brand) {
  static constexpr std::array<std::string_view, 10> kBrands = {
      "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"};
  for (std::string_view known : kBrands)
    if (brand == known)
      return true;
  return false;
}

bool is_heif(std::string_view head) {
  if (head.size() < 16 || head.substr(4, 4) != "ftyp")
    return false;
  if (heif_brand(head.substr(8, 4)))
    return true;
  const std::size_t box_end = std::min<std::size_t>(detail::read_be32(head, 0), head.size());
  for (std::size_t at = 16; at + 4 <= box_end; at += 4)
    if (heif_brand(head.substr(at, 4)))
      return true;
  return false;
}

// "BM" alone is too common at the start of text; the DIB header size pins it down.
bool is_bmp(std::string_view head) {
  if (!starts_with(head, "BM") || head.size() < 18)
    return false;
  const uint32_t dib = detail::read_le32(head, 14);
  return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
}

std::string quoted_start(std::string_view file) {
  const std::string_view head = file.substr(0, 16);
  bool printable = true;
  for (char c : head)
    printable = printable && (std::isprint(static_cast<unsigned char>(c)) || c == '\n' ||
                              c == '\r' || c == '\t');
  if (printable) {
    std::string text;
    for (char c : head)
      text += std::isprint(static_cast<unsigned char>(c)) ? c : ' ';
    return fmt::format("\"{}\"", text);
  }
  std::string hex;
  for (char c : file.substr(0, 8))
    hex += fmt::format("{}{:02X}", hex.empty() ? "" : " ", static_cast<unsigned char>(c));
  return fmt::format("bytes {}", hex);
}

} // namespace

const char* format_name(ImageFormat format) {
  switch (format) {
  case ImageFormat::Jpeg:
    return "JPEG";
  case ImageFormat::Png:
    return "PNG";
  case ImageFormat::Tiff:
    return "TIFF";
  case ImageFormat::WebP:
    return "WebP";
  case ImageFormat::Bmp:
    return "BMP";
  case ImageFormat::Heif:
    return "HEIF";
  case ImageFormat::Unknown:
    break;
  }
  return "unknown";
}

ImageFormat sniff_format(std::string_view head) {
  if (starts_with(head, "\xFF\xD8\xFF"))
    return ImageFormat::Jpeg;
  if (starts_with(head, "\x89PNG\r\n\x1A\n"))
    return ImageFormat::Png;
  if (starts_with(head, std::string_view("II*\0", 4)) ||
      starts_with(head, std::string_view("MM\0*", 4)) ||
      starts_with(head, std::string_view("II+\0", 4)) ||
      starts_with(head, std::string_view("MM\0+", 4)))
    return ImageFormat::Tiff;
  if (starts_with(head, "RIFF") && head.size() >= 12 && head.substr(8, 4) == "WEBP")
    return ImageFormat::WebP;
  if (is_bmp(head))
    return ImageFormat::Bmp;
  if (is_heif(head))
    return ImageFormat::Heif;
  return ImageFormat::Unknown;
}

namespace detail {

std::string describe_unknown(std::string_view file) {
  struct Known {
    std::string_view signature;
    const char* what;
  };
  static const std::array<Known, 7> kKnown = {{
      {"GIF8", "a GIF image"},
      {"%PDF", "a PDF document"},
      {std::string_view("\0\0\0\x0CjP  ", 8), "a JPEG 2000 image"},
      {std::string_view("\0\0\0\x0CJXL ", 8), "a JPEG XL image"},
      {"\xFF\x0A", "a JPEG XL image"},
      {"8BPS", "a Photoshop document"},
      {"PK\x03\x04", "a ZIP archive"},
  }};
  const std::string supported = "supported are JPEG, PNG, TIFF, WebP, BMP and HEIC/HEIF";
  for (const Known& known : kKnown)
    if (starts_with(file, known.signature))
      return fmt::format("unsupported format: {} ({}; convert it first)", known.what, supported);
  if (file.size() >= 12 && file.substr(4, 4) == "ftyp")
    return fmt::format("unsupported format: ISO media with brand '{}', not a HEIF image ({})",
                       file.substr(8, 4), supported);
  return fmt::format("not a supported image (starts with {}; {})", quoted_start(file), supported);
}

std::string truncation_reason(std::string_view file, ImageFormat format) {
  switch (format) {
  case ImageFormat::Jpeg:
    if (!jpeg_has_eoi(file))
      return "truncated: the JPEG data ends before its end-of-image marker (incomplete copy or "
             "download?)";
    break;
  case ImageFormat::Png: {
    const auto chunks = png_chunks(file);
    if (chunks.empty() || chunks.back().type != "IEND")
      return "truncated: the PNG data ends before its IEND chunk (incomplete copy or download?)";
    break;
  }
  case ImageFormat::WebP: {
    const uint64_t declared = uint64_t{read_le32(file, 4)} + 8;
    if (declared > file.size())
      return fmt::format("truncated: the file has {} bytes but its header declares {}", file.size(),
                         declared);
    break;
  }
  default:
    break;
  }
  return {};
}

} // namespace detail
} // namespace drig::image_io
