#include "training/ffhq_align/pil_resample.h"

#include "model/base/error.h"
#include "training/ffhq_align/simd_clones.h"

#include <opencv2/core.hpp>

#include <cmath>

namespace drig::ffhq {
namespace {

// Pillow's PRECISION_BITS for 8-bit images.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr int kHalf = 1 << (kPrecisionBits - 1);
constexpr double kPi = 3.14159265358979323846; // M_PI, as Pillow uses it
constexpr int kSplitBits = 11;
// Beyond this many taps the low halves' int32 sums could overflow.
constexpr int kMaxSplitTaps = 4000;

double sinc(double x) {
  if (x == 0.0)
    return 1.0;
  x = x * kPi;
  return std::sin(x) / x;
}

double lanczos(double x) {
  if (-3.0 <= x && x < 3.0)
    return sinc(x) * sinc(x / 3);
  return 0.0;
}

// Pillow clips through a lookup on `in >> PRECISION_BITS`; this is the same map.
inline uint8_t clip8(int64_t in) {
  const int64_t v = in >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

} // namespace

ResampleAxis lanczos_axis(int in_size, int out_size) {
  DRIG_CHECK(in_size > 0 && out_size > 0, "resample: bad sizes {} -> {}", in_size, out_size);
  ResampleAxis axis;
  axis.in_size = in_size;
  axis.out_size = out_size;
  // Pillow takes the box as floats; in0 = 0 and in1 = in_size are exact.
  const float in0 = 0.0f;
  const float in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 3.0 * filterscale;
  axis.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  std::vector<double> kk(static_cast<size_t>(out_size) * axis.ksize, 0.0);
  axis.first.resize(out_size);
  axis.count.resize(out_size);
  const double ss = 1.0 / filterscale;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0)
      xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    double* k = &kk[static_cast<size_t>(xx) * axis.ksize];
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = lanczos((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0)
        k[x] /= ww;
    }
    axis.first[xx] = xmin;
    axis.count[xx] = xmax;
  }
  axis.weights.resize(kk.size());
  for (size_t i = 0; i < kk.size(); ++i) {
    const double scaled = kk[i] * (1 << kPrecisionBits);
    axis.weights[i] = static_cast<int32_t>(kk[i] < 0 ? -0.5 + scaled : 0.5 + scaled);
  }
  axis.weights_hi.resize(kk.size());
  axis.weights_lo.resize(kk.size());
  for (size_t i = 0; i < kk.size(); ++i) {
    axis.weights_hi[i] = static_cast<int16_t>(axis.weights[i] >> kSplitBits);
    axis.weights_lo[i] = static_cast<int16_t>(axis.weights[i] & ((1 << kSplitBits) - 1));
  }
  return axis;
}

DRIG_FFHQ_CLONES
void resample_row_rgb(const uint8_t* src, uint8_t* dst, const ResampleAxis& axis) {
  // Planar channels turn each output into contiguous integer dot products,
  // which vectorise; integer sums are exact in any order.
  thread_local std::vector<int16_t> planes;
  const size_t n_in = static_cast<size_t>(axis.in_size);
  planes.resize(n_in * 3);
  int16_t* plane[3] = {planes.data(), planes.data() + n_in, planes.data() + 2 * n_in};
  for (size_t x = 0; x < n_in; ++x)
    for (int c = 0; c < 3; ++c)
      plane[c][x] = src[3 * x + c];
  const bool split = axis.ksize <= kMaxSplitTaps;
  for (int xx = 0; xx < axis.out_size; ++xx) {
    const size_t k0 = static_cast<size_t>(xx) * axis.ksize;
    const int16_t* hi = &axis.weights_hi[k0];
    const int16_t* lo = &axis.weights_lo[k0];
    const int32_t* k = &axis.weights[k0];
    const int first = axis.first[xx];
    const int n = axis.count[xx];
    for (int c = 0; c < 3; ++c) {
      const int16_t* p = plane[c] + first;
      int64_t sum = kHalf;
      if (split) {
        int32_t sum_hi = 0, sum_lo = 0;
        for (int x = 0; x < n; ++x) {
          sum_hi += p[x] * hi[x];
          sum_lo += p[x] * lo[x];
        }
        sum += static_cast<int64_t>(sum_hi) * (1 << kSplitBits) + sum_lo;
      } else {
        for (int x = 0; x < n; ++x)
          sum += static_cast<int64_t>(p[x]) * k[x];
      }
      dst[3 * xx + c] = clip8(sum);
    }
  }
}

namespace {

DRIG_FFHQ_CLONES
void resample_column_row(const cv::Mat& src, int src_row0, const ResampleAxis& axis, int yy,
                         int32_t* acc, uint8_t* dst) {
  const int width = src.cols * 3;
  for (int i = 0; i < width; ++i)
    acc[i] = kHalf;
  const int32_t* k = &axis.weights[static_cast<size_t>(yy) * axis.ksize];
  for (int y = 0; y < axis.count[yy]; ++y) {
    const uint8_t* row = src.ptr<uint8_t>(axis.first[yy] + y - src_row0);
    const int32_t w = k[y];
    for (int i = 0; i < width; ++i)
      acc[i] += row[i] * w;
  }
  for (int i = 0; i < width; ++i)
    dst[i] = clip8(acc[i]);
}

} // namespace

cv::Mat resample_columns_rgb(const cv::Mat& src, int src_row0, const ResampleAxis& axis) {
  DRIG_CHECK(src.type() == CV_8UC3, "resample: expected CV_8UC3");
  cv::Mat out(axis.out_size, src.cols, CV_8UC3);
  // Integer sums do not depend on order, so rows are accumulated whole.
  cv::parallel_for_(cv::Range(0, axis.out_size), [&](const cv::Range& range) {
    std::vector<int32_t> acc(static_cast<size_t>(src.cols) * 3);
    for (int yy = range.start; yy < range.end; ++yy)
      resample_column_row(src, src_row0, axis, yy, acc.data(), out.ptr<uint8_t>(yy));
  });
  return out;
}

cv::Mat pil_resize_lanczos(const cv::Mat& rgb, cv::Size size) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "resize: expected a non-empty CV_8UC3 image");
  if (size == rgb.size())
    return rgb.clone();
  const bool need_horizontal = size.width != rgb.cols;
  const bool need_vertical = size.height != rgb.rows;
  const ResampleAxis vertical = lanczos_axis(rgb.rows, size.height);
  cv::Mat tmp;
  int row0 = 0;
  if (!need_horizontal) {
    tmp = rgb;
  } else {
    const ResampleAxis horizontal = lanczos_axis(rgb.cols, size.width);
    // Like Pillow, only the rows the vertical pass reads go through the horizontal one.
    int row1 = rgb.rows;
    if (need_vertical) {
      row0 = vertical.first.front();
      row1 = vertical.first.back() + vertical.count.back();
    }
    tmp.create(row1 - row0, size.width, CV_8UC3);
    cv::parallel_for_(cv::Range(0, row1 - row0), [&](const cv::Range& range) {
      for (int r = range.start; r < range.end; ++r)
        resample_row_rgb(rgb.ptr<uint8_t>(row0 + r), tmp.ptr<uint8_t>(r), horizontal);
    });
  }
  if (!need_vertical)
    return tmp;
  return resample_columns_rgb(tmp, row0, vertical);
}

} // namespace drig::ffhq
