#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

// Bounds-checked walkers over the containers the importer reads metadata from.
// Every function tolerates truncated or hostile input: it stops at the first
// piece that does not fit instead of reading past the end.
namespace drig::image_io::detail {

uint16_t read_be16(std::string_view bytes, std::size_t at);
uint32_t read_be32(std::string_view bytes, std::size_t at);
uint16_t read_le16(std::string_view bytes, std::size_t at);
uint32_t read_le32(std::string_view bytes, std::size_t at);

struct JpegSegment {
  uint8_t marker = 0;
  std::string_view payload; // after the two length bytes
};

// The marker segments before the first scan (APPn, DQT, SOFn, ...). Stops at
// SOS, at EOI or at the first segment that runs past the end of `file`.
std::vector<JpegSegment> jpeg_header_segments(std::string_view file);

// Whether the compressed data reaches an EOI marker. Data after EOI (camera
// trailers, motion-photo videos) is allowed, so the scan walks the stream
// rather than looking at the last bytes.
bool jpeg_has_eoi(std::string_view file);

struct Chunk {
  std::string_view type; // four characters
  std::string_view data;
};

// PNG chunks after the signature, up to and including IEND; a chunk that runs
// past the end of `file` is left out.
std::vector<Chunk> png_chunks(std::string_view file);

// WebP (RIFF) chunks after "RIFF<size>WEBP"; a chunk that runs past the end is left out.
std::vector<Chunk> riff_chunks(std::string_view file);

// The first image directory (IFD0) of a TIFF stream, classic or BigTIFF.
// EXIF blocks use the same layout, so this also reads camera metadata.
class TiffDirectory {
public:
  static std::optional<TiffDirectory> parse(std::string_view tiff);

  // The `index`-th value of an integer tag (BYTE, SHORT, LONG, LONG8).
  std::optional<uint64_t> number(uint16_t tag, std::size_t index = 0) const;
  // The value bytes of a tag (for UNDEFINED blobs such as an ICC profile).
  std::optional<std::string_view> bytes(uint16_t tag) const;
  std::size_t count(uint16_t tag) const;

private:
  struct Entry {
    uint16_t tag = 0;
    uint16_t type = 0;
    uint64_t count = 0;
    std::string_view value;
  };
  const Entry* find(uint16_t tag) const;
  uint64_t read(std::string_view bytes, std::size_t at, int size) const;

  bool little_endian_ = true;
  std::vector<Entry> entries_;
};

} // namespace drig::image_io::detail
