#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace drig::ffhq {

// FFHQ alignment exactly as the original DiffusionRig scripts/align.py
// (image_align, with PIL/numpy/scipy semantics reproduced): the facts are in
// ../shared/reference/align/README.md.
struct AlignParams {
  int output_size = 256;
  int transform_size = 4096;
  bool enable_padding = true;
  // For editing: a face region smaller than the output is upscaled instead
  // of refused (align.py's rule protects training data, not edits).
  bool upscale_small = false;
  // Called with each intermediate image, named as the reference fixtures' md5
  // keys: after_shrink, after_crop (CV_8UC3); after_reflect_pad, mask (CV_32FC1),
  // after_blur_blend, after_median_blend (CV_32FC3); before_transform (CV_8UC3).
  // For tests and debugging; the views are only valid during the call.
  std::function<void(const std::string& stage, const cv::Mat& image)> on_stage;
};

// The oriented square that becomes the output, in source pixels: NW, SW, SE, NE.
struct Quad {
  std::array<cv::Point2d, 4> corners;
  double qsize = 0.0;
};

// From dlib's 68 landmarks (only eyes 36-47 and mouth corners 48, 54 are used).
Quad quad_from_landmarks(const std::vector<cv::Point2d>& landmarks68);

// Every intermediate value of the original, for tests and sidecars.
struct AlignTrace {
  Quad quad_source;
  int shrink = 0;
  std::optional<cv::Size> rsize; // set when the image was shrunk
  int border = 0;
  std::array<int, 4> crop{}; // x0, y0, x1, y1 (exclusive)
  bool cropped = false;
  std::array<int, 4> pad_raw{}; // left, top, right, bottom needed beyond the image
  std::array<int, 4> pad{};     // left, top, right, bottom (after the threshold); 0 if !padded
  bool padded = false;
  double blur = 0.0;             // set when padded
  std::array<float, 3> median{}; // per-channel median of the padded image; set when padded
  cv::Size size_before_transform;
  std::array<double, 8> transform_data{}; // the 8 numbers the original passed to PIL QUAD
};

struct AlignResult {
  // Empty when the face could not be aligned ("resolution too low").
  cv::Mat image; // CV_8UC3 RGB, output_size x output_size
  std::string failure;
  // The face region was smaller than the output and was upscaled (only with
  // AlignParams::upscale_small); its size in pixels before that.
  bool upscaled = false;
  int region_px = 0;
  AlignTrace trace;
  // Maps aligned-output pixel coordinates (x, y), pixel centres at +0.5, to
  // source-image coordinates of the same convention: what pasting an edited
  // crop back into the original needs. Affine (the quad is a parallelogram).
  // Zero when the alignment failed.
  cv::Matx23d aligned_to_source;
  cv::Matx23d source_to_aligned;
};

// rgb: CV_8UC3 in RGB order, the full source image.
AlignResult align_face(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks68,
                       const AlignParams& params = {});

} // namespace drig::ffhq
