#include "training/photo_io/container_chunks.h"

#include <cstring>

namespace drig::image_io::detail {
namespace {

uint8_t byte_at(std::string_view bytes, std::size_t at) {
  return at < bytes.size() ? static_cast<uint8_t>(bytes[at]) : 0;
}

// Standalone markers carry no length field: TEM, RSTn, SOI, EOI.
bool standalone_marker(uint8_t marker) {
  return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9);
}

// Walks the segments before the first scan; returns where the scan data starts
// (npos when there is no complete SOS segment).
std::size_t walk_jpeg_header(std::string_view file, std::vector<JpegSegment>* segments) {
  std::size_t at = 2; // after SOI
  while (at + 1 < file.size()) {
    if (byte_at(file, at) != 0xFF)
      return std::string_view::npos;
    while (byte_at(file, at + 1) == 0xFF && at + 2 < file.size())
      ++at; // fill bytes
    const uint8_t marker = byte_at(file, at + 1);
    at += 2;
    if (standalone_marker(marker)) {
      if (marker == 0xD9)
        return std::string_view::npos;
      continue;
    }
    if (at + 2 > file.size())
      return std::string_view::npos;
    const std::size_t length = read_be16(file, at);
    if (length < 2 || at + length > file.size())
      return std::string_view::npos;
    if (segments != nullptr)
      segments->push_back({marker, file.substr(at + 2, length - 2)});
    at += length;
    if (marker == 0xDA)
      return at;
  }
  return std::string_view::npos;
}

std::size_t type_size(uint16_t type) {
  switch (type) {
  case 1:
  case 2:
  case 6:
  case 7:
    return 1;
  case 3:
  case 8:
    return 2;
  case 4:
  case 9:
  case 11:
  case 13:
    return 4;
  case 5:
  case 10:
  case 12:
  case 16:
  case 17:
  case 18:
    return 8;
  default:
    return 0;
  }
}

} // namespace

uint16_t read_be16(std::string_view b, std::size_t at) {
  return static_cast<uint16_t>(byte_at(b, at) << 8 | byte_at(b, at + 1));
}
uint32_t read_be32(std::string_view b, std::size_t at) {
  return static_cast<uint32_t>(read_be16(b, at)) << 16 | read_be16(b, at + 2);
}
uint16_t read_le16(std::string_view b, std::size_t at) {
  return static_cast<uint16_t>(byte_at(b, at) | byte_at(b, at + 1) << 8);
}
uint32_t read_le32(std::string_view b, std::size_t at) {
  return read_le16(b, at) | static_cast<uint32_t>(read_le16(b, at + 2)) << 16;
}

std::vector<JpegSegment> jpeg_header_segments(std::string_view file) {
  std::vector<JpegSegment> segments;
  walk_jpeg_header(file, &segments);
  return segments;
}

bool jpeg_has_eoi(std::string_view file) {
  std::size_t at = walk_jpeg_header(file, nullptr);
  while (at != std::string_view::npos && at + 1 < file.size()) {
    const void* ff = std::memchr(file.data() + at, 0xFF, file.size() - at);
    if (ff == nullptr)
      return false;
    at = static_cast<std::size_t>(static_cast<const char*>(ff) - file.data());
    const uint8_t next = byte_at(file, at + 1);
    if (next == 0xD9)
      return true;
    if (next == 0x00 || next == 0xFF || standalone_marker(next)) {
      ++at; // stuffed byte, fill byte or restart marker inside the scan
      continue;
    }
    // A marker between the scans of a progressive file (DHT, SOS, DRI, ...).
    at += 2 + read_be16(file, at + 2);
  }
  return false;
}

std::vector<Chunk> png_chunks(std::string_view file) {
  std::vector<Chunk> chunks;
  std::size_t at = 8;
  while (at + 12 <= file.size()) {
    const std::size_t length = read_be32(file, at);
    if (length > file.size() - at - 12)
      break;
    chunks.push_back({file.substr(at + 4, 4), file.substr(at + 8, length)});
    at += 12 + length;
    if (chunks.back().type == "IEND")
      break;
  }
  return chunks;
}

std::vector<Chunk> riff_chunks(std::string_view file) {
  std::vector<Chunk> chunks;
  std::size_t at = 12;
  while (at + 8 <= file.size()) {
    const std::size_t length = read_le32(file, at + 4);
    if (length > file.size() - at - 8)
      break;
    chunks.push_back({file.substr(at, 4), file.substr(at + 8, length)});
    at += 8 + length + (length & 1); // chunks are padded to even sizes
  }
  return chunks;
}

std::optional<TiffDirectory> TiffDirectory::parse(std::string_view tiff) {
  TiffDirectory dir;
  if (tiff.substr(0, 2) == "II")
    dir.little_endian_ = true;
  else if (tiff.substr(0, 2) == "MM")
    dir.little_endian_ = false;
  else
    return std::nullopt;
  const uint64_t magic = dir.read(tiff, 2, 2);
  if (magic != 42 && magic != 43)
    return std::nullopt;
  const bool big = magic == 43;
  const int offset_size = big ? 8 : 4;
  const std::size_t entry_size = big ? 20 : 12;
  const uint64_t ifd = big ? dir.read(tiff, 8, 8) : dir.read(tiff, 4, 4);
  if (ifd < 8 || ifd >= tiff.size())
    return std::nullopt;
  const uint64_t entries = dir.read(tiff, ifd, big ? 8 : 2);
  const std::size_t first = ifd + (big ? 8 : 2);
  if (entries > (tiff.size() - first) / entry_size)
    return std::nullopt;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t at = first + i * entry_size;
    Entry entry;
    entry.tag = static_cast<uint16_t>(dir.read(tiff, at, 2));
    entry.type = static_cast<uint16_t>(dir.read(tiff, at + 2, 2));
    entry.count = dir.read(tiff, at + 4, offset_size);
    const std::size_t size = type_size(entry.type);
    if (size == 0 || entry.count > tiff.size() / size)
      continue; // unknown type or impossible count: skip the entry, keep the rest
    const std::size_t bytes = size * entry.count;
    const std::size_t value_at = at + 4 + offset_size;
    if (bytes <= static_cast<std::size_t>(offset_size)) {
      entry.value = tiff.substr(value_at, bytes);
    } else {
      const uint64_t offset = dir.read(tiff, value_at, offset_size);
      if (offset > tiff.size() || bytes > tiff.size() - offset)
        continue;
      entry.value = tiff.substr(offset, bytes);
    }
    dir.entries_.push_back(entry);
  }
  return dir;
}

const TiffDirectory::Entry* TiffDirectory::find(uint16_t tag) const {
  for (const Entry& entry : entries_)
    if (entry.tag == tag)
      return &entry;
  return nullptr;
}

uint64_t TiffDirectory::read(std::string_view bytes, std::size_t at, int size) const {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    const uint64_t b = byte_at(bytes, at + (little_endian_ ? size - 1 - i : i));
    value = value << 8 | b;
  }
  return value;
}

std::optional<uint64_t> TiffDirectory::number(uint16_t tag, std::size_t index) const {
  const Entry* entry = find(tag);
  if (entry == nullptr || index >= entry->count)
    return std::nullopt;
  switch (entry->type) {
  case 1:
    return read(entry->value, index, 1);
  case 3:
    return read(entry->value, index * 2, 2);
  case 4:
    return read(entry->value, index * 4, 4);
  case 16:
    return read(entry->value, index * 8, 8);
  default:
    return std::nullopt;
  }
}

std::optional<std::string_view> TiffDirectory::bytes(uint16_t tag) const {
  const Entry* entry = find(tag);
  if (entry == nullptr)
    return std::nullopt;
  return entry->value;
}

std::size_t TiffDirectory::count(uint16_t tag) const {
  const Entry* entry = find(tag);
  return entry == nullptr ? 0 : static_cast<std::size_t>(entry->count);
}

} // namespace drig::image_io::detail
