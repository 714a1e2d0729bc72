#include "training/rig/skimage_ops.h"

#include "model/base/error.h"

#include <Eigen/Dense>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

// The arithmetic below follows the Python code's operation order on purpose
// (the resize must be bit-exact); sources.cmake compiles this file with
// -ffp-contract=off so that no FMA changes a rounding.
namespace drig::fitting::skimage {

namespace {

// ndimage's 'mirror' mode (skimage 'reflect'): d c b | a b c d | c b a.
int64_t mirror_index(int64_t i, int64_t len) {
  if (len <= 1)
    return 0;
  const int64_t period = 2 * len - 2;
  i %= period;
  if (i < 0)
    i += period;
  return i >= len ? period - i : i;
}

// scipy's map_coordinate for NI_EXTEND_MIRROR (ni_interpolation.c).
double mirror_coordinate(double in, int64_t len) {
  if (len <= 1)
    return 0.0;
  const int64_t sz2 = 2 * len - 2;
  if (in < 0) {
    in = double(sz2) * double(int64_t(-in / double(sz2))) + in;
    in = in <= double(1 - len) ? in + double(sz2) : -in;
  } else if (in > double(len - 1)) {
    in -= double(sz2) * double(int64_t(in / double(sz2)));
    if (in >= double(len))
      in = double(sz2) - in;
  }
  return in;
}

// numpy's float64 add.reduce: the first element, then pairwise over the rest
// (plain loop below 8 elements, 8 partial sums up to the block size).
double numpy_sum_tail(const double* a, int64_t n) {
  if (n < 8) {
    double s = -0.0;
    for (int64_t i = 0; i < n; ++i)
      s += a[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j)
      r[j] = a[j];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j)
        r[j] += a[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i)
      s += a[i];
    return s;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return numpy_sum_tail(a, half) + numpy_sum_tail(a + half, n - half);
}

// scipy.ndimage._gaussian_kernel1d(sigma, 0, radius), already normalised.
std::vector<double> gaussian_kernel(double sigma, int64_t radius) {
  const double factor = -0.5 / (sigma * sigma);
  std::vector<double> phi;
  for (int64_t x = -radius; x <= radius; ++x)
    phi.push_back(std::exp(factor * double(x * x)));
  const double sum = phi[0] + numpy_sum_tail(phi.data() + 1, int64_t(phi.size()) - 1);
  for (double& p : phi)
    p /= sum;
  return phi;
}

// gaussian_filter1d(mode='mirror', truncate=4) along rows (axis 0) or
// columns (axis 1) of a CV_64FC(n) image, in place. The kernel is symmetric,
// so scipy's correlate1d sums mirrored pairs from the outside in.
void gaussian_axis(cv::Mat& image, double sigma, int axis) {
  const int64_t radius = int64_t(4.0 * sigma + 0.5);
  const std::vector<double> w = gaussian_kernel(sigma, radius);
  const double* fw = w.data() + radius;
  const int channels = image.channels();
  const int64_t len = axis == 0 ? image.rows : image.cols;
  const int64_t lines = axis == 0 ? image.cols : image.rows;
  std::vector<double> line(static_cast<size_t>(len + 2 * radius));
  std::vector<double> out(static_cast<size_t>(len));
  for (int64_t l = 0; l < lines; ++l)
    for (int c = 0; c < channels; ++c) {
      const auto at = [&](int64_t i) -> double& {
        return axis == 0 ? image.ptr<double>(int(i))[l * channels + c]
                         : image.ptr<double>(int(l))[i * channels + c];
      };
      for (int64_t i = -radius; i < len + radius; ++i)
        line[size_t(i + radius)] = at(mirror_index(i, len));
      for (int64_t i = 0; i < len; ++i) {
        const double* p = line.data() + radius + i;
        double t = p[0] * fw[0];
        for (int64_t j = -radius; j < 0; ++j)
          t += (p[j] + p[-j]) * fw[j];
        out[size_t(i)] = t;
      }
      for (int64_t i = 0; i < len; ++i)
        at(i) = out[size_t(i)];
    }
}

// One axis of ndimage.zoom(order=1, mode='mirror', grid_mode=True).
struct Taps {
  int64_t index[2];
  double weight[2];
};

std::vector<Taps> zoom_taps(int64_t in_len, int64_t out_len) {
  const double zoom = double(in_len) / double(out_len);
  std::vector<Taps> taps(static_cast<size_t>(out_len));
  for (int64_t k = 0; k < out_len; ++k) {
    double cc = double(k);
    cc += 0.5;
    cc *= zoom;
    cc -= 0.5;
    cc = mirror_coordinate(cc, in_len);
    const int64_t start = int64_t(std::floor(cc));
    Taps& t = taps[size_t(k)];
    t.weight[0] = 1.0 - (cc - std::floor(cc));
    t.weight[1] = 1.0 - t.weight[0];
    for (int h = 0; h < 2; ++h)
      t.index[h] = mirror_index(start + h, in_len);
  }
  return taps;
}

void clip_to_input_range(cv::Mat& out, const cv::Mat& input, bool constant_mode, double cval) {
  double lo = 0, hi = 0, out_lo = 0, out_hi = 0;
  cv::minMaxLoc(input.reshape(1), &lo, &hi);
  cv::minMaxLoc(out.reshape(1), &out_lo, &out_hi);
  // skimage widens the range to cval when the constant border shows in the
  // output, so the black surround of a crop and its blended edge survive.
  if (constant_mode && !(lo <= cval && cval <= hi) && out_lo <= cval && cval <= out_hi) {
    lo = std::min(lo, cval);
    hi = std::max(hi, cval);
  }
  cv::Mat flat = out.reshape(1);
  for (int r = 0; r < flat.rows; ++r) {
    double* p = flat.ptr<double>(r);
    for (int i = 0; i < flat.cols; ++i)
      p[i] = std::min(std::max(p[i], lo), hi);
  }
}

} // namespace

cv::Matx33d estimate_similarity(const std::vector<cv::Point2d>& src,
                                const std::vector<cv::Point2d>& dst) {
  DRIG_CHECK(src.size() == dst.size() && src.size() >= 2,
             "similarity transform: need matching point lists of at least 2 points, got {} and {}",
             src.size(), dst.size());
  const Eigen::Index n = Eigen::Index(src.size());
  Eigen::MatrixX2d s(n, 2), d(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    s.row(i) << src[size_t(i)].x, src[size_t(i)].y;
    d.row(i) << dst[size_t(i)].x, dst[size_t(i)].y;
  }
  const Eigen::RowVector2d s_mean = s.colwise().sum() / double(n);
  const Eigen::RowVector2d d_mean = d.colwise().sum() / double(n);
  const Eigen::MatrixX2d s_dm = s.rowwise() - s_mean;
  const Eigen::MatrixX2d d_dm = d.rowwise() - d_mean;
  const Eigen::Matrix2d a = d_dm.transpose() * s_dm / double(n);

  Eigen::Vector2d sign(1.0, 1.0);
  if (a.determinant() < 0)
    sign(1) = -1.0;
  const Eigen::JacobiSVD<Eigen::Matrix2d> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::Matrix2d& u = svd.matrixU();
  const Eigen::Matrix2d vt = svd.matrixV().transpose();
  const Eigen::Vector2d sv = svd.singularValues();
  const double tol = sv.maxCoeff() * 2.0 * std::numeric_limits<double>::epsilon();
  const int rank = int(sv(0) > tol) + int(sv(1) > tol);
  DRIG_CHECK(rank > 0, "similarity transform: the source points coincide");
  Eigen::Matrix2d rot;
  if (rank == 1 && u.determinant() * vt.determinant() > 0)
    rot = u * vt;
  else if (rank == 1)
    rot = u * Eigen::Vector2d(1.0, -1.0).asDiagonal() * vt;
  else
    rot = u * sign.asDiagonal() * vt;

  const double variance =
      s_dm.col(0).squaredNorm() / double(n) + s_dm.col(1).squaredNorm() / double(n);
  DRIG_CHECK(variance > 0, "similarity transform: the source points coincide");
  const double scale = 1.0 / variance * sv.dot(sign);
  const Eigen::Vector2d t = d_mean.transpose() - scale * (rot * s_mean.transpose());
  const Eigen::Matrix2d m = rot * scale;
  return {m(0, 0), m(0, 1), t(0), m(1, 0), m(1, 1), t(1), 0.0, 0.0, 1.0};
}

cv::Mat warp_bilinear(const cv::Mat& image, const cv::Matx33d& m, cv::Size size, double cval) {
  DRIG_CHECK(image.depth() == CV_64F && !image.empty(), "warp: expected a CV_64F image");
  const int channels = image.channels();
  const int64_t rows = image.rows, cols = image.cols;
  const bool affine = m(2, 0) == 0 && m(2, 1) == 0 && m(2, 2) == 1;
  cv::Mat out(size, image.type());
  const auto pixel = [&](int64_t r, int64_t c, int ch) {
    if (r < 0 || r >= rows || c < 0 || c >= cols)
      return cval;
    return image.ptr<double>(int(r))[c * channels + ch];
  };
  for (int y = 0; y < size.height; ++y) {
    double* o = out.ptr<double>(y);
    for (int x = 0; x < size.width; ++x) {
      const double xd = x, yd = y;
      double c = m(0, 0) * xd + m(0, 1) * yd + m(0, 2);
      double r = m(1, 0) * xd + m(1, 1) * yd + m(1, 2);
      if (!affine) {
        const double z = m(2, 0) * xd + m(2, 1) * yd + m(2, 2);
        c /= z;
        r /= z;
      }
      const int64_t r0 = int64_t(std::floor(r)), c0 = int64_t(std::floor(c));
      const int64_t r1 = int64_t(std::ceil(r)), c1 = int64_t(std::ceil(c));
      const double dr = r - double(r0), dc = c - double(c0);
      for (int ch = 0; ch < channels; ++ch) {
        const double top = (1 - dc) * pixel(r0, c0, ch) + dc * pixel(r0, c1, ch);
        const double bottom = (1 - dc) * pixel(r1, c0, ch) + dc * pixel(r1, c1, ch);
        o[x * channels + ch] = (1 - dr) * top + dr * bottom;
      }
    }
  }
  clip_to_input_range(out, image, /*constant_mode=*/true, cval);
  return out;
}

cv::Mat resize_antialiased(const cv::Mat& u8, cv::Size size) {
  DRIG_CHECK(u8.depth() == CV_8U && !u8.empty() && size.width > 0 && size.height > 0,
             "resize: expected a non-empty 8-bit image and a positive size");
  const int channels = u8.channels();
  // img_as_float: uint8 * (1/255) in float64.
  cv::Mat image(u8.size(), CV_64FC(channels));
  const double unit = 1.0 / 255.0;
  for (int r = 0; r < u8.rows; ++r) {
    const uint8_t* in = u8.ptr<uint8_t>(r);
    double* out = image.ptr<double>(r);
    for (int i = 0; i < u8.cols * channels; ++i)
      out[i] = double(in[i]) * unit;
  }
  cv::Mat filtered = image.clone();
  const double factors[2] = {double(u8.rows) / size.height, double(u8.cols) / size.width};
  for (int axis = 0; axis < 2; ++axis) {
    const double sigma = std::max(0.0, (factors[axis] - 1.0) / 2.0);
    if (sigma > 1e-15)
      gaussian_axis(filtered, sigma, axis);
  }
  const std::vector<Taps> row_taps = zoom_taps(u8.rows, size.height);
  const std::vector<Taps> col_taps = zoom_taps(u8.cols, size.width);
  cv::Mat out(size, CV_64FC(channels));
  for (int y = 0; y < size.height; ++y) {
    const Taps& ty = row_taps[size_t(y)];
    double* o = out.ptr<double>(y);
    for (int x = 0; x < size.width; ++x) {
      const Taps& tx = col_taps[size_t(x)];
      for (int ch = 0; ch < channels; ++ch) {
        // ndimage sums the 2x2 taps row-major, each value times the row
        // weight, then the column weight (the channel axis adds exact zeros).
        double t = 0.0;
        for (int i = 0; i < 2; ++i) {
          const double* line = filtered.ptr<double>(int(ty.index[i]));
          for (int j = 0; j < 2; ++j)
            t += line[tx.index[j] * channels + ch] * ty.weight[i] * tx.weight[j];
        }
        o[x * channels + ch] = t;
      }
    }
  }
  clip_to_input_range(out, image, /*constant_mode=*/false, 0.0);
  return out;
}

} // namespace drig::fitting::skimage
