#pragma once

#include "training/align/face_types.h"
#include "training/ffhq_align/ffhq_align.h"
#include "training/photo_io/image_file.h"

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/matx.hpp>

#include <filesystem>
#include <optional>
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

// What later steps (fitting, paste-back) read back from a sidecar.
struct AlignmentRecord {
  std::filesystem::path source; // the original photo
  int output_size = 256;
  cv::Matx23d aligned_to_source, source_to_aligned; // pixel centres at +0.5
  std::vector<cv::Point2d> landmarks;               // 68, source pixel indices
  int faces_found = 0;                              // in the photo, by the run that wrote it
  bool orientation_applied = true, icc_converted = false;
  // The face region was smaller than the output and upscaled (editing only).
  bool upscaled = false;
  int region_px = 0; // its size before that

  // The landmarks as pixel indices of the aligned crop scaled to `size`.
  std::vector<cv::Point2d> aligned_landmarks(double size) const;
};

// The sidecar next to an aligned PNG (same name, .json).
std::filesystem::path sidecar_path(const std::filesystem::path& aligned_png);

// nullopt when `sidecar` does not exist; throws Error naming the file and the
// missing or malformed field when it cannot be read.
std::optional<AlignmentRecord> read_sidecar(const std::filesystem::path& sidecar);

// Whether `sidecar` describes an alignment of this very source with these
// settings (same size and mtime, same output size and face selection).
// An upscaled small face matches only when small faces are allowed.
bool sidecar_matches(const std::filesystem::path& sidecar, const SourceStamp& source,
                     int output_size, bool all_faces, bool allow_small_faces = false);

} // namespace drig::align
