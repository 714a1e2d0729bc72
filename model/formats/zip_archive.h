#pragma once

#include "model/formats/mapped_file.h"

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace drig::formats {

struct ZipEntry {
  std::string name;
  uint64_t header_offset = 0; // local file header
  uint64_t data_offset = 0;   // first byte of the (compressed) data
  uint64_t compressed_size = 0;
  uint64_t size = 0;   // uncompressed
  uint16_t method = 0; // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint16_t flags = 0; // general purpose bits (bit 0: encrypted)
};

// Reads ZIP archives as written by torch.save (stored, 64-byte aligned),
// np.savez (stored) and np.savez_compressed (deflated), ZIP64 included.
// Every offset and size from the file is checked before use, so a truncated
// or hostile file gives an Error naming the source, the byte offset and the
// problem, never a crash, a hang or an allocation the file cannot justify.
class ZipReader {
public:
  // Errors name the file's name (not its full path, to keep them short).
  explicit ZipReader(std::shared_ptr<const MappedFile> file);
  // For in-memory archives (tests, archives nested in other files).
  ZipReader(std::string data, std::string source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  // The uncompressed content. Stored members are a view into the archive
  // (zero copy, valid while the reader lives); deflated ones are inflated
  // into `scratch` and the view points there. Throws for other methods,
  // encrypted members and data that does not inflate to the declared size.
  std::string_view read(const ZipEntry& entry, std::string& scratch) const;
  // The member's raw (possibly compressed) bytes.
  std::string_view raw_bytes(const ZipEntry& entry) const;
  // Whether the content matches the recorded CRC-32 (reads the member).
  bool check_crc(const ZipEntry& entry) const;

  std::string_view bytes() const { return bytes_; }
  const std::string& source() const { return source_; }
  // Keeps bytes() alive: pass it to tensor_from_bytes for zero-copy tensors.
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // Whether the first bytes of a file look like a ZIP archive.
  // (A local header, or the end record of an empty archive.)
  static bool looks_like_zip(std::string_view head) {
    return head.starts_with(std::string_view("PK\x03\x04", 4)) ||
           head.starts_with(std::string_view("PK\x05\x06", 4));
  }

private:
  void parse();

  std::shared_ptr<const void> owner_;
  std::string_view bytes_;
  std::string source_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, size_t, std::less<>> index_;
};

// The CRC-32 that ZIP records (zlib's), for content already read.
uint32_t zip_crc32(std::string_view data);

// Writes a ZIP archive the way PyTorch's writer does: every member stored
// uncompressed with its data 64-byte aligned from the start of the stream (so
// readers can map tensors in place), fixed 1980-01-01 timestamps so equal
// content gives equal files, and ZIP64 records once anything passes 32 bits.
// The archive must start at the stream's current position 0 of a fresh file:
// offsets are counted from the first byte written.
class ZipWriter {
public:
  // `force_zip64` writes ZIP64 records even for small archives (for tests).
  explicit ZipWriter(std::ostream& out, bool force_zip64 = false);

  void add(std::string_view name, std::string_view data);
  // Writes the central directory; add() is refused afterwards.
  void finish();
  uint64_t bytes_written() const { return offset_; }

private:
  void put(std::string_view bytes);

  struct Written {
    std::string name;
    uint64_t header_offset, size;
    uint32_t crc32;
  };
  std::ostream& out_;
  bool force_zip64_;
  bool finished_ = false;
  uint64_t offset_ = 0;
  std::vector<Written> written_;
  std::unordered_set<std::string> names_;
};

} // namespace drig::formats
