#pragma once

// The reference portraits with the 68 landmarks the original found on them
// (../shared/reference/align/expected/landmarks.json): the faces the
// detection tests transform, gather into crowds and compare with.
#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace drig::test {

struct ReferenceFace {
  std::string key; // e.g. "portraits/exp_2.jpg"
  cv::Mat rgb;     // CV_8UC3 RGB, as stored (no EXIF orientation, as the original reads it)
  std::vector<cv::Point2d> landmarks;
};

// The portraits with a face whose key starts with `prefix`, in the file's
// order, at most `limit` of them (0: all).
std::vector<ReferenceFace> reference_portraits(const std::string& prefix = "portraits/",
                                               size_t limit = 0);

} // namespace drig::test
