#pragma once

#include "training/photo_io/image_file.h"

#include <string>
#include <string_view>

namespace drig::image_io::detail {

// What a file's header says about its pixels, read without decoding them.
struct HeaderFacts {
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  std::string colour_model = "rgb"; // "rgb", "gray", "cmyk", "palette"
};

// Parses the header of `file` (already sniffed as `format`); throws drig::Error
// starting with `name` when the header is missing or damaged.
HeaderFacts read_header_facts(std::string_view file, ImageFormat format, const std::string& name);

// Why `file` (sniffed as Unknown) is not loaded, in plain words: a known but
// unsupported format, or its first bytes shown as text or hex.
std::string describe_unknown(std::string_view file);

// Non-empty when the container is visibly cut short (JPEG without EOI, PNG
// without IEND, RIFF shorter than it declares): the reason, for the error message.
std::string truncation_reason(std::string_view file, ImageFormat format);

} // namespace drig::image_io::detail
