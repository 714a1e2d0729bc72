#pragma once

#include "model/base/options.h"
#include "model/base/progress.h"
#include "training/align/face_detector.h"
#include "training/photo_io/image_file.h"

#include <filesystem>
#include <string>
#include <vector>

namespace drig::align {

// `diffusionrig align` and the Studio's import step: every photo of an album
// loaded, its face(s) found and aligned FFHQ-style, one PNG + JSON sidecar
// per face in the output folder.
struct AlignJobOptions {
  std::vector<std::filesystem::path> inputs; // files and/or folders (not recursive)
  std::filesystem::path output_dir;
  int size = 256;
  bool all_faces = false; // default: only the largest face of each photo
  int workers = 0;        // 0: one per core
  bool force = false;     // re-align even when the outputs are up to date
  // For editing: faces smaller than the output are upscaled (marked in the
  // sidecar; create-data and Personalize refuse them) instead of refused.
  bool allow_small_faces = false;
  // Also hand each output's pixels back (PhotoResult::crops), so that the
  // next step in the same process does not decode the PNG just written.
  bool keep_crops = false;
  DetectorOptions detector;
  image_io::LoadOptions load;

  // Every problem at once (inputs, folder, size), before any photo is read.
  void check(OptionCheck& check) const;
};

enum class PhotoStatus { Aligned, UpToDate, NoFace, TooSmall, Unreadable, Failed };

const char* status_name(PhotoStatus status);

struct PhotoResult {
  std::filesystem::path source;
  PhotoStatus status = PhotoStatus::Failed;
  std::string reason;                         // why, for everything but Aligned/UpToDate
  std::vector<std::filesystem::path> outputs; // aligned PNGs (sidecar: same name, .json)
  std::vector<std::string> detectors;         // which pass found each output's face
  int faces_found = 0;
  std::vector<cv::Mat> crops; // with keep_crops, for Aligned: each output's pixels (CV_8UC3 RGB)
};

struct AlignSummary {
  std::vector<PhotoResult> photos; // in input order; photos not reached when cancelled are absent
  bool cancelled = false;
  int count(PhotoStatus status) const;
  // Aligned now or before: what a dataset can be built from.
  int usable() const { return count(PhotoStatus::Aligned) + count(PhotoStatus::UpToDate); }
};

// The files `inputs` names: folders are listed (sorted, hidden files and our
// own .json sidecars left out); files are taken as given. Throws drig::Error
// for a path that does not exist.
std::vector<std::filesystem::path> collect_photos(const std::vector<std::filesystem::path>& inputs);

// Aligns every photo on a thread pool. One bad photo never stops the album;
// cancellation (job.cancel) stops starting new photos and keeps finished
// outputs. Each output is written to a temporary file and renamed.
AlignSummary align_album(const AlignJobOptions& options, const JobContext& job);

} // namespace drig::align
