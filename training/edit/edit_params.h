#pragma once

// The one way front ends ask for an edit (in the spirit of whisper.cpp's
// params struct): what to change, how to sample, the identity policy and
// what to write, made from default_edit_params() and handed to
// EditEngine::run(). Results come back as images and an identity report:
// `infer`, the Studio's Generate and its Export never handle tensors.
#include "training/edit/edit_spec.h"
#include "training/edit/guarded_edit.h"
#include "training/edit/paste_back.h"
#include "training/photo_io/photo_writer.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

namespace drig {
class OptionCheck;
}

namespace drig::editing {

struct PreparedPhoto;

// What run() writes; an empty path is not written. Every file is written
// atomically, so a cancelled edit leaves the earlier file as it was.
struct EditOutputs {
  std::filesystem::path crop;         // the model's crop as PNG, as the original's save_image
  int crop_bit_depth = 8;             // 16 keeps the sample's precision (the Studio's result cache)
  std::filesystem::path crop_npy;     // the sample's exact floats, (1,3,S,S) in [-1,1]
  std::filesystem::path photo;        // pasted into the full-resolution source, its metadata kept
  std::filesystem::path side_by_side; // before | after JPEG, at most 1600 px high
  WriteOptions write;                 // for `photo` (and the side-by-side's quality)
  PasteOptions paste;
};

struct EditParams {
  // The slider edit, and the sampling: sampler, steps, eta, seed, colour lock.
  EditSpec spec;
  // The paper's transfer instead: `mode` taken from `target` (spec's rig
  // changes must then be empty; its sampling settings still apply).
  std::shared_ptr<const PreparedPhoto> target;
  TransferMode mode = TransferMode::Pose;
  // x_T as a (1,3,S,S) .npy (the original's fixed noise); empty: drawn from spec.seed.
  std::filesystem::path noise;
  // A result sampled before for this edit (a PNG at the model's size, e.g.
  // the Studio's cache): pasted and written without sampling again.
  std::filesystem::path cached_crop;
  IdentityPolicy identity;
  EditOutputs outputs;
  // Every `preview_every` steps: (step, total, the predicted x_0 as CV_32FC3
  // RGB in [0,1]). A cancel through the JobContext lands within one step.
  std::function<void(int64_t step, int64_t total, const cv::Mat& x0)> on_preview;
  int preview_every = 5;

  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// The original's settings: DDIM-20 from seed 0, identity measured when a
// guard is given but never resampled for, JPEG quality 95, the source's bit depth.
EditParams default_edit_params();

struct EditOutcome {
  cv::Mat crop;      // CV_32FC3 RGB [0,1]: the result at the model's size
  cv::Mat composite; // the full-resolution photo (when outputs.photo was asked for)
  IdentityReport identity;
  // CIEDE2000 of the skin colour, photo vs result, before and after the
  // colour lock (NaN: no shared face region, or a cached result).
  double skin_delta_e_before = std::numeric_limits<double>::quiet_NaN();
  double skin_delta_e_after = std::numeric_limits<double>::quiet_NaN();
  double colour_lock = 0;
  double seconds = 0;                         // the edit itself (sampling, retries, writing)
  std::vector<std::filesystem::path> written; // in the order of EditOutputs' fields
};

} // namespace drig::editing
