#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <vector>

namespace drig::fitting {

// DECA's TestData crop (datasets.py:94-143, facts in
// ../shared/reference/deca/README.md section 4): box from the 68 landmarks
// (bbox2point kpt68, scale 1.25), similarity transform of three crop corners
// to the 224 grid, bilinear warp with black outside, float RGB in [0,1].
struct DecaCrop {
  cv::Mat image;     // CV_32FC3, 224x224, RGB, [0,1]
  cv::Matx33d tform; // source pixels -> crop pixels (skimage's estimate_transform('similarity'))
};

// rgb: CV_8UC3 RGB; landmarks: 68 (x,y) in that image's pixels.
DecaCrop deca_crop(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks68,
                   int crop_size = 224, double scale = 1.25);

// DiffusionRig's first step (drig datasets.py:126-131): skimage resize to
// size x size with anti-aliasing, *255, truncated to uint8. Even at 256->256
// this maps some byte values k to k-1, as the original does.
cv::Mat diffusionrig_resize(const cv::Mat& rgb, int size = 256);

} // namespace drig::fitting
