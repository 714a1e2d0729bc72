#pragma once

// The editing engine behind `diffusionrig infer` and the Studio's editor: a
// photo and an edit in, a finished full-resolution photo out. Every photo is
// aligned, fitted and encoded once (aligned crops and rigs cached on disk,
// everything else in memory), so a second edit of the same photo goes
// straight to rendering and sampling.
#include "model/base/options.h"
#include "model/base/progress.h"
#include "model/face/deca_encoder.h"
#include "model/precision.h"
#include "render/buffer_renderer.h"
#include "training/edit/edit_spec.h"
#include "training/edit/paste_back.h"
#include "training/photo_io/photo_writer.h"
#include "training/rig/rig_file.h"

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

#include <array>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace drig::editing {

struct EngineOptions {
  std::filesystem::path model_path; // a DiffusionRig checkpoint (stage 2 for a person)
  std::filesystem::path assets_dir; // DECA + FLAME files; only needed to prepare photos
  std::filesystem::path meanshape;  // optional: the album's mean shape (create-data)
  std::filesystem::path cache_dir;  // aligned crops and rigs; empty: a folder under /tmp
  std::string device = "auto";
  // The model's image size when its checkpoint does not say (none do: the
  // original's --image_size, 256 for the paper's models).
  int image_size = 256;
  Precision precision = Precision::fp32;
  render::RenderBackend renderer = render::RenderBackend::Auto;

  // Every problem at once (model file, assets, device, size) before loading.
  void check(OptionCheck& check) const;
};

// Everything about one photo that does not depend on the edit.
struct PreparedPhoto {
  std::filesystem::path source;      // the photo as the user has it (empty: aligned input)
  std::filesystem::path aligned_png; // the 256 crop
  cv::Mat aligned_rgb;               // its pixels (CV_8UC3 RGB), decoded once
  cv::Matx23d aligned_to_source = cv::Matx23d::zeros();
  fitting::Rig rig;   // shape replaced by the mean shape when one is given
  at::Tensor image;   // (1,3,S,S) float in [-1,1]: the crop as the model sees it
  at::Tensor latent;  // (1,latent_dim): the encoder's detail latent of the crop
  at::Tensor buffers; // (1,9,S,S): the fitted rig's own physical buffers
  cv::Mat alpha;      // CV_32FC1 coverage of those buffers
  cv::Mat face_hull;  // CV_32FC1: the 68 landmarks' hull in the crop (from the sidecar)
  std::vector<cv::Point2d> landmarks; // the 68 landmarks in aligned_png's pixels (sidecar)
  std::array<double, 2> ffhq_center{};
  // From the alignment sidecar: how the source was read for the crop.
  bool orientation_applied = true, icc_converted = false;
  // A face smaller than the crop, upscaled to it (its size in the photo, px;
  // 0 = not upscaled): the result is limited by the photo's resolution.
  int upscaled_from_px = 0;
};

struct GenerateOptions {
  std::string sampler = "ddim"; // ddim | dpmpp2m | dpmpp3m | unipc (SampleOptions::sampler)
  std::string steps = "ddim20";
  double eta = 0.0;
  int64_t seed = 0;
  at::Tensor noise; // x_T (1,3,S,S): overrides the seed (the original's fixed-noise scheme)
  // Called every `preview_every` steps with (step, total, predicted x_0 in
  // [-1,1], (1,3,S,S)); a cancel through the JobContext lands within one step.
  std::function<void(int64_t, int64_t, const at::Tensor&)> on_preview;
  int preview_every = 5;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

struct EditResult {
  at::Tensor sample;  // (1,3,S,S) in [-1,1], exactly as sampled
  at::Tensor buffers; // (1,9,S,S) the edited rig's buffers
  cv::Mat crop;       // CV_32FC3 RGB [0,1] (the sample as an image)
  cv::Mat alpha;      // CV_32FC1 coverage of the edited render
  // CIEDE2000 of the mean skin colour (the face both show), source vs result,
  // before and after the colour lock (NaN: no shared face region).
  double skin_delta_e_before = std::numeric_limits<double>::quiet_NaN();
  double skin_delta_e_after = std::numeric_limits<double>::quiet_NaN();
  double colour_lock = 0; // the strength applied
};

struct EditParams;  // training/edit/edit_params.h
struct EditOutcome; // training/edit/edit_params.h

class EditEngine {
public:
  explicit EditEngine(EngineOptions options);
  ~EditEngine();

  // Aligns (largest face), fits and encodes a photo, or returns the cached
  // result when the photo did not change. Error naming the photo when it has
  // no usable face.
  std::shared_ptr<const PreparedPhoto> prepare(const std::filesystem::path& photo,
                                               const JobContext& job = {});
  // For an aligned crop with its rig (a Studio project, `fit` output).
  // `decoded`: the crop's pixels when the caller has them (CV_8UC3 RGB).
  std::shared_ptr<const PreparedPhoto> prepare_aligned(const std::filesystem::path& aligned_png,
                                                       const std::filesystem::path& rig_file,
                                                       cv::Mat decoded = {});

  // The physical buffers of `code` rendered where the photo's face is
  // (its FFHQ centre kept, as inference.py).
  at::Tensor render(const PreparedPhoto& photo, const face::DecaCode& code,
                    cv::Mat* alpha = nullptr);

  // Samples with the given buffers and latent: the one sampling path of
  // infer, the Studio and the tests.
  at::Tensor generate(const at::Tensor& buffers, const at::Tensor& latent,
                      const GenerateOptions& options, const JobContext& job = {});

  // The whole edit as front ends ask for it: render, sample (with the
  // identity policy's retries), colour lock, paste back, write the outputs.
  // Progress, previews and cancel through `job` and the params.
  EditOutcome run(const PreparedPhoto& photo, const EditParams& params, const JobContext& job = {});

  // A slider edit of a photo.
  EditResult edit(const PreparedPhoto& photo, const EditSpec& spec, const JobContext& job = {},
                  GenerateOptions options = {});
  // The paper's transfer of `mode` from `target` onto `photo`.
  EditResult transfer(const PreparedPhoto& photo, const PreparedPhoto& target, TransferMode mode,
                      const GenerateOptions& options, const JobContext& job = {});

  // Runs edit() on a worker thread; cancel through job.cancel.
  std::future<EditResult> edit_async(std::shared_ptr<const PreparedPhoto> photo, EditSpec spec,
                                     JobContext job, GenerateOptions options = {});

  // The edit pasted into the full-resolution photo: same colour space (ICC),
  // bit depth and orientation as the source read upright.
  cv::Mat paste(const PreparedPhoto& photo, const EditResult& result,
                const PasteOptions& options = {}) const;

  struct Counters {
    int aligned = 0, fitted = 0, encoded = 0, cache_hits = 0;
  };
  Counters counters() const;
  int image_size() const;
  int latent_dim() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// (1,3,S,S) in [-1,1] -> CV_32FC3 RGB in [0,1] (as save_image of (x+1)/2, unrounded).
cv::Mat tensor_to_image(const at::Tensor& x);
// The inverse: CV_32FC3 RGB [0,1] -> (1,3,H,W) float CPU in [-1,1].
at::Tensor image_to_tensor(const cv::Mat& rgb);

} // namespace drig::editing
