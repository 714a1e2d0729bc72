#include "training/photo_io/tiff_exif.h"

#include "training/photo_io/container_chunks.h"

#include <libexif/exif-data.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace drig::editing {
namespace {

using image_io::detail::read_le16;
using image_io::detail::read_le32;

constexpr uint16_t kExifIfdTag = 0x8769, kGpsIfdTag = 0x8825, kMakerNoteTag = 0x927c;
// IFD0 tags that describe the photo, not the pixels (which libtiff wrote).
constexpr uint16_t kTextTags[] = {0x010e, 0x010f, 0x0110, 0x0132, 0x013b, 0x8298};

struct Entry {
  uint16_t tag = 0, type = 0;
  uint32_t count = 0;
  std::string value; // little-endian
};

void put16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xff));
  s.push_back(char(v >> 8));
}

void put32(std::string& s, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8)
    s.push_back(char((v >> shift) & 0xff));
}

// Appends a directory at the end of `file` (word-aligned): its entries,
// sorted, with values over four bytes after it. Returns its offset.
uint32_t append_ifd(std::string& file, std::vector<Entry> entries, uint32_t next = 0) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.tag < b.tag; });
  if (file.size() % 2)
    file.push_back('\0');
  const uint32_t at = uint32_t(file.size());
  uint32_t values = at + 2 + 12 * uint32_t(entries.size()) + 4;
  std::string ifd, data;
  put16(ifd, uint16_t(entries.size()));
  for (const Entry& e : entries) {
    put16(ifd, e.tag);
    put16(ifd, e.type);
    put32(ifd, e.count);
    if (e.value.size() <= 4) {
      std::string inline_value = e.value;
      inline_value.resize(4, '\0');
      ifd += inline_value;
    } else {
      put32(ifd, values + uint32_t(data.size()));
      data += e.value;
      if (data.size() % 2)
        data.push_back('\0');
    }
  }
  put32(ifd, next);
  file += ifd;
  file += data;
  return at;
}

std::vector<Entry> entries_of(const ExifContent* content, bool text_only) {
  std::vector<Entry> out;
  for (unsigned i = 0; content && i < content->count; ++i) {
    const ExifEntry* e = content->entries[i];
    if (!e || !e->data || e->tag == kMakerNoteTag)
      continue;
    if (text_only && std::find(std::begin(kTextTags), std::end(kTextTags), uint16_t(e->tag)) ==
                         std::end(kTextTags))
      continue;
    const unsigned size = exif_format_get_size(e->format) * unsigned(e->components);
    if (size == 0 || size > e->size)
      continue;
    out.push_back({uint16_t(e->tag), uint16_t(e->format), uint32_t(e->components),
                   std::string(reinterpret_cast<const char*>(e->data), size)});
  }
  return out;
}

} // namespace

std::string tiff_with_exif(const std::string& tiff, const std::string& exif) {
  if (tiff.size() < 8 || tiff.compare(0, 4, std::string("II*\0", 4)) != 0 || exif.empty())
    return tiff;
  const std::string_view prefix("Exif\0\0", 6);
  std::string block;
  if (exif.compare(0, 6, prefix) != 0)
    block.append(prefix);
  block.append(exif);
  std::unique_ptr<ExifData, decltype(&exif_data_unref)> data(exif_data_new(), &exif_data_unref);
  if (!data)
    return tiff;
  exif_data_unset_option(data.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(data.get(), reinterpret_cast<const unsigned char*>(block.data()),
                      unsigned(block.size()));
  // Values in this file's byte order (libexif swaps every known format).
  exif_data_set_byte_order(data.get(), EXIF_BYTE_ORDER_INTEL);

  const std::vector<Entry> exif_entries = entries_of(data->ifd[EXIF_IFD_EXIF], false);
  const std::vector<Entry> gps_entries = entries_of(data->ifd[EXIF_IFD_GPS], false);
  std::vector<Entry> text = entries_of(data->ifd[EXIF_IFD_0], true);
  if (exif_entries.empty() && gps_entries.empty() && text.empty())
    return tiff;

  // The image's directory, entry by entry: values held elsewhere in the file
  // keep their offsets, so it can be copied to the end with more entries.
  const uint32_t first = read_le32(tiff, 4);
  if (size_t(first) + 2 > tiff.size())
    return tiff;
  const uint16_t count = read_le16(tiff, first);
  if (size_t(first) + 2 + 12 * size_t(count) + 4 > tiff.size())
    return tiff;
  // The image's entries verbatim: a value held elsewhere keeps its offset
  // (its 4 bytes copied as they are), so the directory can move.
  std::vector<Entry> ifd0;
  for (uint16_t i = 0; i < count; ++i) {
    const size_t at = first + 2 + 12 * size_t(i);
    ifd0.push_back({read_le16(tiff, at), read_le16(tiff, at + 2), read_le32(tiff, at + 4),
                    tiff.substr(at + 8, 4)});
  }
  const auto present = [&](uint16_t tag) {
    return std::any_of(ifd0.begin(), ifd0.end(), [&](const Entry& e) { return e.tag == tag; });
  };
  const auto pointer = [](uint16_t tag, uint32_t offset) {
    Entry e{tag, uint16_t(EXIF_FORMAT_LONG), 1, {}};
    put32(e.value, offset);
    return e;
  };
  std::string out = tiff;
  const uint32_t next = read_le32(tiff, first + 2 + 12 * size_t(count));
  for (Entry& e : text)
    if (!present(e.tag))
      ifd0.push_back(std::move(e));
  if (!exif_entries.empty() && !present(kExifIfdTag))
    ifd0.push_back(pointer(kExifIfdTag, append_ifd(out, exif_entries)));
  if (!gps_entries.empty() && !present(kGpsIfdTag))
    ifd0.push_back(pointer(kGpsIfdTag, append_ifd(out, gps_entries)));
  std::string header;
  put32(header, append_ifd(out, ifd0, next));
  out.replace(4, 4, header);
  return out;
}

} // namespace drig::editing
