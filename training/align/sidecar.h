#pragma once

#include "training/align/face_types.h"
#include "training/ffhq_align/ffhq_align.h"
#include "training/image_io/image_file.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>

namespace drig::align {

// Where an aligned face came from, precisely enough to paste an edited crop
// back into the full-resolution original: written next to each aligned PNG.
struct SourceStamp {
  std::filesystem::path path; // absolute
  std::string md5;
  std::uintmax_t size_bytes = 0;
  long long mtime_ns = 0;
};

// The md5 reads the whole file, so the up-to-date check goes without it.
SourceStamp stamp_source(const std::filesystem::path& path, bool with_md5);

struct SidecarInput {
  SourceStamp source;
  image_io::ImageInfo image;
  int image_width = 0; // after orientation: the frame of every coordinate below
  int image_height = 0;
  int face_index = 0; // 0 = largest
  int faces_found = 0;
  bool all_faces = false;
  const DetectedFace* face = nullptr;
  const ffhq::AlignResult* aligned = nullptr;
  int output_size = 256;
};

nlohmann::json make_sidecar(const SidecarInput& in);

// Whether `sidecar` describes an alignment of this very source with these
// settings (same size and mtime, same output size and face selection).
bool sidecar_matches(const std::filesystem::path& sidecar, const SourceStamp& source,
                     int output_size, bool all_faces);

} // namespace drig::align
