#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <vector>

namespace drig::ffhq {

// Pillow 9.4's LANCZOS ("ANTIALIAS") resampling, reproduced bit for bit
// (src/libImaging/Resample.c): double coefficients rounded to 22 fractional
// bits, integer sums, and an 8-bit intermediate between the two passes.

// The coefficients of one axis.
struct ResampleAxis {
  int in_size = 0;
  int out_size = 0;
  int ksize = 0;                // stride of `weights` per output index
  std::vector<int> first;       // first source index per output index
  std::vector<int> count;       // number of source indices it reads
  std::vector<int32_t> weights; // out_size * ksize, fixed point
  // weights = hi * 2^11 + lo with 0 <= lo < 2^11: two int16 dot products that
  // map onto pmaddwd and still sum to Pillow's exact integers.
  std::vector<int16_t> weights_hi, weights_lo;
};
ResampleAxis lanczos_axis(int in_size, int out_size);

// Horizontal pass over one row: `src` holds axis.in_size RGB pixels, `dst`
// receives axis.out_size.
void resample_row_rgb(const uint8_t* src, uint8_t* dst, const ResampleAxis& axis);

// Vertical pass: row r of `src` (CV_8UC3) is source row `src_row0 + r`.
cv::Mat resample_columns_rgb(const cv::Mat& src, int src_row0, const ResampleAxis& axis);

// Image.resize(size, LANCZOS) of an RGB CV_8UC3 image (box = whole image,
// reducing_gap = None).
cv::Mat pil_resize_lanczos(const cv::Mat& rgb, cv::Size size);

} // namespace drig::ffhq
