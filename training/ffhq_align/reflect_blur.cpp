#include "training/ffhq_align/reflect_blur.h"

#include "model/base/error.h"
#include "training/ffhq_align/simd_clones.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace drig::ffhq {
namespace {

int positive_mod(int i, int p) {
  const int m = i % p;
  return m < 0 ? m + p : m;
}

// numpy's pairwise summation of a contiguous float64 array (add.reduce), so the
// kernel normalisation divides by the very same double.
double numpy_pairwise_sum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i)
      res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j)
      r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j)
        r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i)
      res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

float clip01(float v) {
  return std::min(std::max(v, 0.0f), 1.0f);
}

// scipy's symmetric-kernel loop (NI_Correlate1D): centre term first, then the
// pairs from the outermost inwards, in double. Vectorising across independent
// outputs keeps that order for each of them.
DRIG_FFHQ_CLONES
void gaussian_rows(const cv::Mat& img, int y, const std::vector<double>& weights, double* acc,
                   float* dst) {
  const int r = static_cast<int>(weights.size()) / 2;
  const int h = img.rows;
  const int row_len = img.cols * img.channels();
  const float* centre = img.ptr<float>(y);
  for (int i = 0; i < row_len; ++i)
    acc[i] = static_cast<double>(centre[i]) * weights[r];
  for (int d = r; d >= 1; --d) {
    const float* a = img.ptr<float>(scipy_reflect_index(y - d, h));
    const float* b = img.ptr<float>(scipy_reflect_index(y + d, h));
    const double wd = weights[r - d];
    for (int i = 0; i < row_len; ++i)
      acc[i] += (static_cast<double>(a[i]) + static_cast<double>(b[i])) * wd;
  }
  for (int i = 0; i < row_len; ++i)
    dst[i] = static_cast<float>(acc[i]);
}

// The same along a row; `ext` holds one channel with r reflected values each side.
DRIG_FFHQ_CLONES
void gaussian_columns(const double* ext, int w, const std::vector<double>& weights, double* acc) {
  const int r = static_cast<int>(weights.size()) / 2;
  const double* centre = ext + r;
  for (int x = 0; x < w; ++x)
    acc[x] = centre[x] * weights[r];
  for (int d = r; d >= 1; --d) {
    const double wd = weights[r - d];
    for (int x = 0; x < w; ++x)
      acc[x] += (centre[x - d] + centre[x + d]) * wd;
  }
}

} // namespace

int numpy_reflect_index(int i, int n) {
  if (n == 1) // numpy extends a singleton axis by edge copies
    return 0;
  const int period = 2 * (n - 1);
  const int m = positive_mod(i, period);
  return m < n ? m : period - m;
}

int scipy_reflect_index(int i, int n) {
  const int period = 2 * n;
  const int m = positive_mod(i, period);
  return m < n ? m : period - 1 - m;
}

cv::Mat numpy_reflect_pad(const cv::Mat& rgb, const Pad& pad) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "reflect pad: expected CV_8UC3");
  const auto [left, top, right, bottom] = pad;
  DRIG_CHECK(left >= 0 && top >= 0 && right >= 0 && bottom >= 0, "reflect pad: negative pad");
  cv::Mat out(rgb.rows + top + bottom, rgb.cols + left + right, CV_32FC3);
  std::vector<int> column(out.cols);
  for (int x = 0; x < out.cols; ++x)
    column[x] = 3 * numpy_reflect_index(x - left, rgb.cols);
  for (int y = 0; y < out.rows; ++y) {
    const uint8_t* src = rgb.ptr<uint8_t>(numpy_reflect_index(y - top, rgb.rows));
    float* dst = out.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x)
      for (int c = 0; c < 3; ++c)
        dst[3 * x + c] = src[column[x] + c];
  }
  return out;
}

std::vector<double> scipy_gaussian_weights(double sigma, double truncate) {
  const int radius = static_cast<int>(truncate * sigma + 0.5);
  const double factor = -0.5 / (sigma * sigma);
  std::vector<double> phi(2 * static_cast<size_t>(radius) + 1);
  for (int i = -radius; i <= radius; ++i)
    phi[i + radius] = std::exp(factor * static_cast<double>(i * i));
  const double sum = numpy_pairwise_sum(phi.data(), phi.size());
  for (double& v : phi)
    v /= sum;
  return phi;
}

cv::Mat scipy_gaussian_filter(const cv::Mat& img, double sigma) {
  DRIG_CHECK(img.depth() == CV_32F && !img.empty(), "gaussian: expected a float32 image");
  if (!(sigma > 1e-15)) // scipy leaves such axes unfiltered
    return img.clone();
  const std::vector<double> weights = scipy_gaussian_weights(sigma);
  const int r = static_cast<int>(weights.size()) / 2;
  const int w = img.cols;
  const int ch = img.channels();

  cv::Mat vertical(img.size(), img.type());
  cv::parallel_for_(cv::Range(0, img.rows), [&](const cv::Range& range) {
    std::vector<double> acc(static_cast<size_t>(w) * ch);
    for (int y = range.start; y < range.end; ++y)
      gaussian_rows(img, y, weights, acc.data(), vertical.ptr<float>(y));
  });

  cv::Mat out(img.size(), img.type());
  cv::parallel_for_(cv::Range(0, img.rows), [&](const cv::Range& range) {
    std::vector<double> ext(w + 2 * static_cast<size_t>(r));
    std::vector<double> acc(w);
    for (int y = range.start; y < range.end; ++y) {
      const float* src = vertical.ptr<float>(y);
      float* dst = out.ptr<float>(y);
      for (int c = 0; c < ch; ++c) {
        for (int i = -r; i < w + r; ++i)
          ext[i + r] = src[scipy_reflect_index(i, w) * ch + c];
        gaussian_columns(ext.data(), w, weights, acc.data());
        for (int x = 0; x < w; ++x)
          dst[x * ch + c] = static_cast<float>(acc[x]);
      }
    }
  });
  return out;
}

cv::Mat padding_mask(cv::Size size, const Pad& pad) {
  const auto [left, top, right, bottom] = pad;
  DRIG_CHECK(left > 0 && top > 0 && right > 0 && bottom > 0, "padding mask: pads must be > 0");
  // numpy keeps float32 here: float32 arrays divided by int scalars (numpy < 2).
  const float fl = static_cast<float>(left), fr = static_cast<float>(right);
  const float ft = static_cast<float>(top), fb = static_cast<float>(bottom);
  std::vector<float> mx(size.width);
  for (int x = 0; x < size.width; ++x)
    mx[x] =
        1.0f - std::min(static_cast<float>(x) / fl, static_cast<float>(size.width - 1 - x) / fr);
  cv::Mat mask(size, CV_32FC1);
  for (int y = 0; y < size.height; ++y) {
    const float my =
        1.0f - std::min(static_cast<float>(y) / ft, static_cast<float>(size.height - 1 - y) / fb);
    float* dst = mask.ptr<float>(y);
    for (int x = 0; x < size.width; ++x)
      dst[x] = std::max(mx[x], my);
  }
  return mask;
}

void blend_blurred(cv::Mat& img, const cv::Mat& blurred, const cv::Mat& mask) {
  DRIG_CHECK(img.type() == CV_32FC3 && blurred.type() == CV_32FC3 && mask.type() == CV_32FC1 &&
                 img.size() == blurred.size() && img.size() == mask.size(),
             "blend: mismatched images");
  for (int y = 0; y < img.rows; ++y) {
    float* p = img.ptr<float>(y);
    const float* g = blurred.ptr<float>(y);
    const float* m = mask.ptr<float>(y);
    for (int x = 0; x < img.cols; ++x) {
      const float k = clip01(m[x] * 3.0f + 1.0f);
      for (int c = 0; c < 3; ++c)
        p[3 * x + c] = p[3 * x + c] + (g[3 * x + c] - p[3 * x + c]) * k;
    }
  }
}

cv::Vec3f numpy_median(const cv::Mat& img) {
  DRIG_CHECK(img.type() == CV_32FC3 && !img.empty(), "median: expected CV_32FC3");
  const size_t n = img.total();
  cv::Vec3f median;
  std::vector<float> values(n);
  for (int c = 0; c < 3; ++c) {
    size_t i = 0;
    for (int y = 0; y < img.rows; ++y) {
      const float* p = img.ptr<float>(y);
      for (int x = 0; x < img.cols; ++x)
        values[i++] = p[3 * x + c];
    }
    const auto upper = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(values.begin(), upper, values.end());
    if (n % 2 == 1) {
      median[c] = *upper;
    } else {
      // np.mean of the two middle values: a float32 sum, then the division.
      const float lower = *std::max_element(values.begin(), upper);
      median[c] = (lower + *upper) / 2.0f;
    }
  }
  return median;
}

void blend_median(cv::Mat& img, const cv::Vec3f& median, const cv::Mat& mask) {
  DRIG_CHECK(img.type() == CV_32FC3 && mask.type() == CV_32FC1 && img.size() == mask.size(),
             "blend: mismatched images");
  for (int y = 0; y < img.rows; ++y) {
    float* p = img.ptr<float>(y);
    const float* m = mask.ptr<float>(y);
    for (int x = 0; x < img.cols; ++x) {
      const float k = clip01(m[x]);
      for (int c = 0; c < 3; ++c)
        p[3 * x + c] = p[3 * x + c] + (median[c] - p[3 * x + c]) * k;
    }
  }
}

cv::Mat rint_to_u8(const cv::Mat& img) {
  DRIG_CHECK(img.type() == CV_32FC3, "rint: expected CV_32FC3");
  cv::Mat out(img.size(), CV_8UC3);
  for (int y = 0; y < img.rows; ++y) {
    const float* p = img.ptr<float>(y);
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int i = 0; i < img.cols * 3; ++i) {
      const float v = std::nearbyint(p[i]); // round half to even, like np.rint
      dst[i] = static_cast<uint8_t>(std::min(std::max(v, 0.0f), 255.0f));
    }
  }
  return out;
}

} // namespace drig::ffhq
