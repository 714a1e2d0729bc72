#include "model/formats/zip_archive.h"

#include "model/base/error.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

namespace drig::formats {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint64_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr uint64_t kEnd64Size = 56, kLocator64Size = 20;
constexpr uint32_t kMax32 = 0xFFFFFFFF;
constexpr uint16_t kMax16 = 0xFFFF;
// Deflate cannot expand by more than about 1032:1; a larger declared size is
// a lie meant to make us allocate. The hard cap bounds the rest.
constexpr uint64_t kDeflateMaxRatio = 1032;
constexpr uint64_t kMaxInflated = uint64_t{16} << 30;
// zlib counts in 32-bit uInt: big members are fed and drained in chunks.
constexpr uint64_t kZlibChunk = uint64_t{1} << 30;
constexpr uint64_t kAlignment = 64;
// PyTorch's writer pads with an extra field whose id is the bytes "FB".
constexpr uint16_t kPaddingId = 0x4246;
constexpr uint16_t kZip64Id = 0x0001;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;

uint16_t le16(std::string_view b, uint64_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t le32(std::string_view b, uint64_t at) {
  return le16(b, at) | (static_cast<uint32_t>(le16(b, at + 2)) << 16);
}

uint64_t le64(std::string_view b, uint64_t at) {
  return le32(b, at) | (static_cast<uint64_t>(le32(b, at + 4)) << 32);
}

// Appends each value little-endian, in its own width: put_le(out, u16(20), crc, u64(size)).
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
template <typename... T>
void put_le(std::string& out, T... values) {
  const auto one = [&out](auto v) {
    for (size_t b = 0; b < sizeof(v); ++b)
      out.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * b)) & 0xFF));
  };
  (one(values), ...);
}

// Member names come from the file: keep them short and printable in messages.
std::string printable(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7F ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return name.size() > 200 ? out + "..." : out;
}

std::string_view method_name(uint16_t method) {
  constexpr std::pair<uint16_t, std::string_view> names[] = {
      {9, "deflate64"}, {12, "bzip2"}, {14, "lzma"}, {93, "zstd"}, {95, "xz"}, {99, "AES"}};
  for (const auto& [id, name] : names)
    if (id == method)
      return name;
  return "unknown";
}

template <typename... Args>
[[noreturn]] void fail_at(std::string_view source, uint64_t offset,
                          fmt::format_string<Args...> format, Args&&... args) {
  fail("{}: offset {}: {}", source, offset, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace

uint32_t zip_crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), kZlibChunk);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

ZipReader::ZipReader(std::shared_ptr<const MappedFile> file)
    : bytes_(file->bytes()), source_(file->path().filename().string()) {
  owner_ = std::move(file);
  parse();
}

ZipReader::ZipReader(std::string data, std::string source) : source_(std::move(source)) {
  auto owned = std::make_shared<const std::string>(std::move(data));
  bytes_ = *owned;
  owner_ = std::move(owned);
  parse();
}

void ZipReader::parse() {
  const uint64_t n = bytes_.size();
  if (n < kEndSize)
    fail_at(source_, 0, "{} bytes is too short for a ZIP archive", n);

  // The end record sits before a comment of up to 64 KiB: search backwards
  // for a signature whose comment length fits the file.
  uint64_t end = n;
  const uint64_t lowest = n - kEndSize > kMax16 ? n - kEndSize - kMax16 : 0;
  for (uint64_t pos = n - kEndSize + 1; pos-- > lowest;) {
    if (le32(bytes_, pos) == kEndSig && le16(bytes_, pos + 20) <= n - kEndSize - pos) {
      end = pos;
      break;
    }
  }
  if (end == n)
    fail_at(source_, n, "no end of central directory record (not a ZIP archive, or truncated)");

  uint64_t disk = le16(bytes_, end + 4), cd_disk = le16(bytes_, end + 6);
  uint64_t count_here = le16(bytes_, end + 8), count = le16(bytes_, end + 10);
  uint64_t cd_size = le32(bytes_, end + 12), cd_offset = le32(bytes_, end + 16);
  uint64_t cd_limit = end; // the central directory must end before the end records
  if (end >= kLocator64Size && le32(bytes_, end - kLocator64Size) == kLocator64Sig) {
    const uint64_t locator = end - kLocator64Size;
    const uint64_t record = le64(bytes_, locator + 8);
    if (le32(bytes_, locator + 16) > 1)
      fail_at(source_, locator, "multi-disk archives are not supported");
    if (record > locator || locator - record < kEnd64Size)
      fail_at(source_, locator,
              "ZIP64 end of central directory record at offset {} runs past its locator", record);
    if (le32(bytes_, record) != kEnd64Sig)
      fail_at(source_, record, "bad ZIP64 end of central directory signature");
    disk = le32(bytes_, record + 16), cd_disk = le32(bytes_, record + 20);
    count_here = le64(bytes_, record + 24), count = le64(bytes_, record + 32);
    cd_size = le64(bytes_, record + 40), cd_offset = le64(bytes_, record + 48);
    cd_limit = record;
  }
  if (disk != 0 || cd_disk != 0 || count_here != count)
    fail_at(source_, end, "multi-disk archives are not supported");
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
    fail_at(source_, end, "central directory ({} bytes at offset {}) runs past the end of the file",
            cd_size, cd_offset);
  if (count > cd_size / kCentralSize)
    fail_at(source_, end, "declares {} entries but its {}-byte central directory holds at most {}",
            count, cd_size, cd_size / kCentralSize);

  entries_.reserve(count);
  const uint64_t cd_end = cd_offset + cd_size;
  uint64_t p = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (cd_end - p < kCentralSize)
      fail_at(source_, p, "central directory entry {} runs past the end of the central directory",
              i);
    if (le32(bytes_, p) != kCentralSig)
      fail_at(source_, p, "central directory entry {} has a bad signature", i);
    const uint64_t name_len = le16(bytes_, p + 28), extra_len = le16(bytes_, p + 30);
    const uint64_t comment_len = le16(bytes_, p + 32);
    if (cd_end - p - kCentralSize < name_len + extra_len + comment_len)
      fail_at(source_, p, "central directory entry {} runs past the end of the central directory",
              i);
    ZipEntry e;
    e.flags = le16(bytes_, p + 8);
    e.method = le16(bytes_, p + 10);
    e.crc32 = le32(bytes_, p + 16);
    e.compressed_size = le32(bytes_, p + 20);
    e.size = le32(bytes_, p + 24);
    e.header_offset = le32(bytes_, p + 42);
    e.name = std::string(bytes_.substr(p + kCentralSize, name_len));

    // ZIP64 extra: 64-bit values for exactly those fields that hold 0xFFFFFFFF.
    uint64_t x = p + kCentralSize + name_len;
    const uint64_t x_end = x + extra_len;
    while (x_end - x >= 4) {
      const uint16_t id = le16(bytes_, x), len = le16(bytes_, x + 2);
      if (x_end - x - 4 < len)
        fail_at(source_, x, "extra field of '{}' runs past its entry", printable(e.name));
      if (id == kZip64Id) {
        uint64_t f = x + 4;
        const uint64_t f_end = f + len;
        for (uint64_t* field : {&e.size, &e.compressed_size, &e.header_offset}) {
          if (*field != kMax32)
            continue;
          if (f_end - f < 8)
            fail_at(source_, x, "ZIP64 extra field of '{}' is too short", printable(e.name));
          *field = le64(bytes_, f);
          f += 8;
        }
      }
      x += 4 + len;
    }
    p += kCentralSize + name_len + extra_len + comment_len;
    entries_.push_back(std::move(e));
  }

  for (size_t i = 0; i < entries_.size(); ++i) {
    ZipEntry& e = entries_[i];
    const uint64_t h = e.header_offset;
    if (h > n || n - h < kLocalSize)
      fail_at(source_, h, "local header of '{}' runs past the end of the file", printable(e.name));
    if (le32(bytes_, h) != kLocalSig)
      fail_at(source_, h, "local header of '{}' has a bad signature", printable(e.name));
    const uint64_t name_len = le16(bytes_, h + 26), extra_len = le16(bytes_, h + 28);
    if (n - h - kLocalSize < name_len + extra_len)
      fail_at(source_, h, "local header of '{}' runs past the end of the file", printable(e.name));
    if (bytes_.substr(h + kLocalSize, name_len) != e.name)
      fail_at(source_, h, "local header names '{}' but the central directory says '{}'",
              printable(bytes_.substr(h + kLocalSize, name_len)), printable(e.name));
    e.data_offset = h + kLocalSize + name_len + extra_len;
    if (e.compressed_size > n - e.data_offset)
      fail_at(source_, e.data_offset, "data of '{}' ({} bytes) runs past the end of the file",
              printable(e.name), e.compressed_size);
    if (e.method == 0 && e.compressed_size != e.size)
      fail_at(source_, h, "stored member '{}' declares {} bytes but stores {}", printable(e.name),
              e.size, e.compressed_size);
    if (!index_.emplace(e.name, i).second)
      fail_at(source_, h, "duplicate member name '{}'", printable(e.name));
  }
}

std::string_view ZipReader::raw_bytes(const ZipEntry& entry) const {
  // Re-checked because callers may pass an entry that did not come from us.
  if (entry.data_offset > bytes_.size() ||
      entry.compressed_size > bytes_.size() - entry.data_offset)
    fail_at(source_, entry.data_offset, "data of '{}' runs past the end of the file",
            printable(entry.name));
  return bytes_.substr(entry.data_offset, entry.compressed_size);
}

std::string_view ZipReader::read(const ZipEntry& entry, std::string& scratch) const {
  const std::string name = printable(entry.name);
  if (entry.flags & 1)
    fail_at(source_, entry.header_offset, "member '{}' is encrypted", name);
  const std::string_view raw = raw_bytes(entry);
  if (entry.method == 0)
    return raw; // parse() checked that the sizes agree
  if (entry.method != 8)
    fail_at(source_, entry.header_offset,
            "member '{}' uses compression method {} ({}); only stored and deflate are supported",
            name, entry.method, method_name(entry.method));

  const uint64_t want = entry.size;
  if (want > raw.size() * kDeflateMaxRatio + 1024 || want > kMaxInflated)
    fail_at(source_, entry.header_offset,
            "member '{}' declares {} bytes from {} compressed bytes, more than deflate can produce",
            name, want, raw.size());

  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    fail_at(source_, entry.data_offset, "cannot start zlib");
  const std::unique_ptr<z_stream, int (*)(z_streamp)> guard(&z, inflateEnd);

  // The buffer grows with the actual output (never straight to the declared
  // size, which the file may lie about), one byte past it to detect overruns.
  scratch.clear();
  scratch.resize(std::min<uint64_t>(want, uint64_t{1} << 20) + 1);
  uint64_t in_pos = 0, produced = 0;
  for (;;) {
    if (z.avail_in == 0 && in_pos < raw.size()) {
      const uint64_t chunk = std::min<uint64_t>(raw.size() - in_pos, kZlibChunk);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data() + in_pos));
      z.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    if (produced == scratch.size())
      scratch.resize(std::min<uint64_t>(want + 1, scratch.size() * 2));
    const uint64_t room = std::min<uint64_t>(scratch.size() - produced, kZlibChunk);
    z.next_out = reinterpret_cast<Bytef*>(scratch.data() + produced);
    z.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced += room - z.avail_out;
    if (produced > want)
      fail_at(source_, entry.data_offset, "member '{}' inflates to more than its declared {} bytes",
              name, want);
    if (rc == Z_STREAM_END)
      break;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      fail_at(source_, entry.data_offset + in_pos - z.avail_in,
              "member '{}' has corrupt deflate data ({})", name,
              z.msg != nullptr ? z.msg : "zlib error");
    if (z.avail_in == 0 && in_pos == raw.size() && z.avail_out != 0)
      fail_at(source_, entry.data_offset + raw.size(), "deflate data of member '{}' ends early",
              name);
  }
  if (produced != want)
    fail_at(source_, entry.data_offset, "member '{}' inflates to {} bytes but declares {}", name,
            produced, want);
  scratch.resize(want);
  return scratch;
}

bool ZipReader::check_crc(const ZipEntry& entry) const {
  std::string scratch;
  return zip_crc32(read(entry, scratch)) == entry.crc32;
}

ZipWriter::ZipWriter(std::ostream& out, bool force_zip64) : out_(out), force_zip64_(force_zip64) {}

void ZipWriter::put(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_)
    fail("ZIP writer: write failed after {} bytes (disk full?)", offset_);
  offset_ += bytes.size();
}

void ZipWriter::add(std::string_view name, std::string_view data) {
  DRIG_CHECK(!finished_, "ZIP writer: cannot add '{}' after finish()", printable(name));
  DRIG_CHECK(!name.empty() && name.size() <= kMax16, "ZIP writer: bad member name length {}",
             name.size());
  DRIG_CHECK(names_.emplace(name).second, "ZIP writer: duplicate member '{}'", printable(name));
  const bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; });
  const bool zip64 = force_zip64_ || data.size() >= kMax32;
  const u32 crc = zip_crc32(data);
  const u32 size32 = zip64 ? kMax32 : static_cast<u32>(data.size());

  // Pad the local header's extra field so that the data starts on a 64-byte
  // boundary, the way PyTorch's writer does.
  const u64 zip64_len = zip64 ? 20 : 0;
  const u64 start = offset_ + kLocalSize + name.size() + zip64_len + 4;
  const u64 pad = (kAlignment - start % kAlignment) % kAlignment;
  std::string header;
  put_le(header, kLocalSig, u16(zip64 ? 45 : 20), u16(utf8 ? 0x0800 : 0), u16(0) /* stored */,
         u16(0) /* 00:00 */, kDosDate1980, crc, size32, size32, u16(name.size()),
         u16(zip64_len + 4 + pad));
  header.append(name);
  if (zip64)
    put_le(header, kZip64Id, u16(16), u64(data.size()), u64(data.size()));
  put_le(header, kPaddingId, u16(pad));
  header.append(pad, 'Z');
  const u64 header_offset = offset_;
  put(header);
  put(data);
  written_.push_back({std::string(name), header_offset, data.size(), crc});
}

void ZipWriter::finish() {
  DRIG_CHECK(!finished_, "ZIP writer: finish() called twice");
  const u64 cd_start = offset_;
  for (const Written& w : written_) {
    const bool size64 = force_zip64_ || w.size >= kMax32;
    const bool offset64 = force_zip64_ || w.header_offset >= kMax32;
    std::string extra;
    if (size64 || offset64)
      put_le(extra, kZip64Id, u16((size64 ? 16 : 0) + (offset64 ? 8 : 0)));
    if (size64)
      put_le(extra, w.size, w.size);
    if (offset64)
      put_le(extra, w.header_offset);
    const u16 version = extra.empty() ? 20 : 45;
    const bool utf8 = std::any_of(w.name.begin(), w.name.end(), [](char c) { return c & 0x80; });
    const u32 size32 = size64 ? kMax32 : static_cast<u32>(w.size);
    std::string entry;
    put_le(entry, kCentralSig, u16((3 << 8) | version) /* made by Unix */, version,
           u16(utf8 ? 0x0800 : 0), u16(0), u16(0), kDosDate1980, w.crc32, size32, size32,
           u16(w.name.size()), u16(extra.size()), u16(0) /* comment */, u16(0) /* disk */,
           u16(0) /* internal attributes */, u32(0100644u << 16) /* -rw-r--r-- */,
           offset64 ? kMax32 : static_cast<u32>(w.header_offset));
    entry.append(w.name);
    entry.append(extra);
    put(entry);
  }
  const u64 cd_size = offset_ - cd_start;
  const u64 count = written_.size();
  const bool zip64 = force_zip64_ || count >= kMax16 || cd_size >= kMax32 || cd_start >= kMax32;
  std::string tail;
  if (zip64) {
    const u64 record = offset_;
    put_le(tail, kEnd64Sig, u64(kEnd64Size - 12) /* the rest of the record */, u16((3 << 8) | 45),
           u16(45), u32(0), u32(0), count, count, cd_size, cd_start);
    put_le(tail, kLocator64Sig, u32(0), record, u32(1));
  }
  const u16 count16 = zip64 ? kMax16 : static_cast<u16>(count);
  put_le(tail, kEndSig, u16(0), u16(0), count16, count16,
         zip64 ? kMax32 : static_cast<u32>(cd_size), zip64 ? kMax32 : static_cast<u32>(cd_start),
         u16(0) /* comment */);
  put(tail);
  out_.flush();
  if (!out_)
    fail("ZIP writer: flush failed after {} bytes (disk full?)", offset_);
  finished_ = true;
}

} // namespace drig::formats
