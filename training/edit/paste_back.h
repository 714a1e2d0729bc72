#pragma once

// Puts an edited 256x256 aligned crop back into the full-resolution photo.
// Only the edit's difference is pasted (result minus the aligned original),
// warped through the alignment's exact affine map and faded out with a
// feathered mask: the photo keeps its own full-resolution detail, pixels
// outside the mask stay bit-identical, and an unedited crop changes nothing.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

namespace drig {
class OptionCheck;
}

namespace drig::editing {

struct PasteOptions {
  // Mask growth and feather width as fractions of the crop size.
  double grow = 0.06, feather = 0.08;
  // Shift the pasted difference so that its mean over the feather band is
  // zero: no colour step at the seam when the model moved the whole tone.
  bool colour_match = true;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// The blend mask in crop coordinates (CV_32FC1, 0..1, crop size): the face
// coverage (union of the source's and the edit's rendered alpha, CV_32FC1)
// grown and feathered.
cv::Mat paste_mask(const cv::Mat& alpha_source, const cv::Mat& alpha_edit,
                   const PasteOptions& options);

// photo: RGB CV_8UC3 or CV_16UC3, in the colour space the crop was made in.
// aligned / result: the crop before and after the edit, CV_32FC3 RGB in
// [0,1]. aligned_to_source: the alignment's map (pixel centres at +0.5).
// Returns the composite, same type and size as `photo`.
cv::Mat paste_back(const cv::Mat& photo, const cv::Mat& aligned, const cv::Mat& result,
                   const cv::Mat& mask, const cv::Matx23d& aligned_to_source,
                   const PasteOptions& options = {});

// The bounding box in `photo` pixels that paste_back may change.
cv::Rect paste_region(const cv::Size& photo, int crop_size, const cv::Matx23d& aligned_to_source);

} // namespace drig::editing
