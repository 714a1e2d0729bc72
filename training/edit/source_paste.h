#pragma once

// Pasting an edit back into the photo file it came from: decoded as the
// alignment decoded it (orientation), in the file's own colour space and
// bit depth.
#include "training/edit/paste_back.h"

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

#include <filesystem>

namespace drig::editing {

struct PasteSource {
  std::filesystem::path file;
  bool orientation_applied = true; // as the alignment loaded it
  // The alignment converted the photo's ICC profile to sRGB: the crop is in
  // sRGB, so the pasted region is composited there and converted back.
  bool icc_converted = false;
};

// paste_back() on the decoded source file. With an ICC profile only the
// paste region goes through sRGB and back, and only the pixels the edit
// changed take the round trip; the rest stays as stored. Error naming the
// file when it cannot be read.
cv::Mat paste_into_source(const PasteSource& source, const cv::Mat& aligned, const cv::Mat& result,
                          const cv::Mat& mask, const cv::Matx23d& aligned_to_source,
                          const PasteOptions& options = {});

} // namespace drig::editing
