#pragma once

#include "model/base/options.h"
#include "model/base/progress.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace drig::datasets {

// `diffusionrig create-data`: the original scripts/create_data.py. Every
// aligned photo of data_dir (*.jpg, *.png, *.bmp, sorted by full path, as
// TestData lists them) is fitted (DECA), rendered (physical buffers at
// image_size) and written as one sample of an LMDB in the original layout.
struct CreateDataOptions {
  std::filesystem::path data_dir;
  std::filesystem::path output_dir; // the dataset folder (X.lmdb)
  std::filesystem::path assets_dir;
  int image_size = 256;
  bool use_meanshape = false;
  std::string device = "auto";
  std::string renderer = "auto";
  int batch_size = 8;

  // Every problem a run would meet before it writes anything, at once: the
  // folders, the size, the batch, the device and renderer names.
  void check(OptionCheck& check) const;
};

struct CreateDataSummary {
  int64_t samples = 0; // in the finished dataset
  int64_t resumed = 0; // samples found already written in a previous, interrupted run
  std::vector<std::pair<std::filesystem::path, std::string>> skipped; // photo, reason
  bool cancelled = false;
};

// The work happens in <output_dir>.partial, renamed to output_dir only once
// `length` is written, so a dataset folder is always complete. Re-running
// after an interruption continues where it stopped (same inputs and options
// only; anything else is an Error saying so). An existing output_dir is
// never overwritten.
CreateDataSummary create_data(const CreateDataOptions& options, const JobContext& job);

} // namespace drig::datasets
