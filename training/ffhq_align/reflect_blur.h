#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

#include <array>
#include <vector>

namespace drig::ffhq {

// The original's padding step (align.py:77-102) with numpy 1.24 / scipy 1.10
// semantics: float32 storage everywhere, float32 arithmetic where numpy's
// value-based casting keeps it, double only where scipy accumulates.

// Pad widths in the original's order: left, top, right, bottom.
using Pad = std::array<int, 4>;

// The source index position `i` (possibly outside [0, n)) reads.
// np.pad(mode='reflect'): mirror about the edge pixel without repeating it.
int numpy_reflect_index(int i, int n);
// scipy.ndimage mode='reflect' (half-sample symmetric): the edge pixel repeats.
int scipy_reflect_index(int i, int n);

// np.pad(np.float32(rgb), ((top, bottom), (left, right), (0, 0)), 'reflect'):
// CV_8UC3 in, CV_32FC3 out.
cv::Mat numpy_reflect_pad(const cv::Mat& rgb, const Pad& pad);

// scipy's normalised gaussian weights, 2 * int(truncate * sigma + 0.5) + 1 of them.
std::vector<double> scipy_gaussian_weights(double sigma, double truncate = 4.0);

// scipy.ndimage.gaussian_filter(img, [sigma, sigma, 0]) of a float32 image
// (any channel count): axis 0 then axis 1, double sums, float32 in between.
cv::Mat scipy_gaussian_filter(const cv::Mat& img, double sigma);

// The original's float32 mask (CV_32FC1 of `size`): 0 inside, rising to 1
// across each padded margin.
cv::Mat padding_mask(cv::Size size, const Pad& pad);

// img += (blurred - img) * clip(mask * 3 + 1, 0, 1), in float32 (CV_32FC3).
void blend_blurred(cv::Mat& img, const cv::Mat& blurred, const cv::Mat& mask);

// np.median(img, axis=(0, 1)) of a CV_32FC3 image, as float32.
cv::Vec3f numpy_median(const cv::Mat& img);

// img += (median - img) * clip(mask, 0, 1), in float32.
void blend_median(cv::Mat& img, const cv::Vec3f& median, const cv::Mat& mask);

// np.uint8(np.clip(np.rint(img), 0, 255)): CV_32FC3 to CV_8UC3.
cv::Mat rint_to_u8(const cv::Mat& img);

} // namespace drig::ffhq
