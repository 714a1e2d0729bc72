#pragma once

// The few scikit-image / scipy.ndimage operations DECA's and DiffusionRig's
// pre-processing use, reproduced to their rounding (skimage 0.19, scipy >= 1.6)
// so that crops match the Python pipeline closely and resized bytes match exactly.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>
#include <opencv2/core/types.hpp>

#include <vector>

namespace drig::fitting::skimage {

// estimate_transform('similarity', src, dst).params: Umeyama's least-squares
// rotation + uniform scale + translation, never a reflection. Throws Error for
// fewer than two point pairs or coincident source points.
cv::Matx33d estimate_similarity(const std::vector<cv::Point2d>& src,
                                const std::vector<cv::Point2d>& dst);

// warp(image, inverse_map, output_shape, order=1, mode='constant', cval)
// with its default clip: `output_to_input` maps output (x, y, 1) to input
// pixel coordinates, pixel centres at integers. `image` is CV_64FC(n); the
// result has the same type.
cv::Mat warp_bilinear(const cv::Mat& image, const cv::Matx33d& output_to_input, cv::Size size,
                      double cval = 0.0);

// resize(img_as_float(u8), size, order=1, mode='reflect', anti_aliasing=True):
// CV_8UC(n) in, CV_64FC(n) out, values in [0, 1].
cv::Mat resize_antialiased(const cv::Mat& u8, cv::Size size);

} // namespace drig::fitting::skimage
