#pragma once

#include <opencv2/core/mat.hpp>

#include <array>

namespace drig::ffhq {

// Pillow 9.4's Image.transform(size, QUAD, data, BILINEAR) of an RGB CV_8UC3
// image, bit for bit (Image.py's QUAD coefficients, Geometry.c's quad_transform
// and bilinear_filter32RGB). `data` is NW, SW, SE, NE as x, y pairs in source
// pixels whose centres sit at +0.5. Samples outside the source are black and
// interpolated values are truncated, not rounded, as Pillow 9.4 does.
cv::Mat pil_quad_transform(const cv::Mat& rgb, cv::Size size, const std::array<double, 8>& data);

// pil_quad_transform to transform_size² followed by pil_resize_lanczos to
// output_size², identical to running the two, but band by band so the large
// intermediate never exists whole. When output_size >= transform_size there
// is no resize (as in the original) and the result is transform_size².
cv::Mat pil_quad_transform_resized(const cv::Mat& rgb, int transform_size,
                                   const std::array<double, 8>& data, int output_size);

} // namespace drig::ffhq
