#pragma once

#include "model/base/options.h"
#include "model/base/progress.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace drig::fitting {

// `diffusionrig fit` and the Studio's rigging step: DECA on every aligned
// photo of an album, one rig file (<stem>.rig.json) per photo.
struct FitOptions {
  std::vector<std::filesystem::path> inputs; // aligned PNGs and/or folders of them
  std::filesystem::path output_dir;
  std::filesystem::path assets_dir; // deca_model.tar, generic_model.pkl, ...
  std::string device = "auto";
  int batch_size = 8;
  bool use_meanshape =
      false;               // every rig gets the album's mean shape (create_data.py --use_meanshape)
  bool export_obj = false; // also <stem>.obj: the fitted mesh with UVs
  bool force = false;      // refit photos whose rigs are up to date
  // Inputs already decoded in this process (CV_8UC3 RGB, exactly the file's
  // pixels, e.g. the crops align_album just wrote), by path.
  std::map<std::filesystem::path, cv::Mat> decoded;

  // Every problem at once (inputs, folders, DECA's file, batch, device).
  void check(OptionCheck& check) const;
};

struct FitSummary {
  int fitted = 0;
  int up_to_date = 0;
  std::vector<std::pair<std::filesystem::path, std::string>> failed; // photo, reason
  bool cancelled = false;
  std::filesystem::path mean_shape_file; // set with use_meanshape
  int usable() const { return fitted + up_to_date; }
};

// Throws drig::Error for what stops the whole job (missing or wrong asset
// files, no photos); a bad photo only lands in `failed`. Cancellation stops
// between batches and keeps the rigs written so far.
FitSummary fit_album(const FitOptions& options, const JobContext& job);

} // namespace drig::fitting
