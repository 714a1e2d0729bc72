#include "training/ffhq_align/pil_quad_transform.h"

#include "model/base/error.h"
#include "training/ffhq_align/pil_resample.h"
#include "training/ffhq_align/simd_clones.h"

#include <opencv2/core.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace drig::ffhq {
namespace {

// One source pixel as RGBX floats (uint8 values are exact in float), so the
// three channels' lerps run as one vector operation.
typedef float Pixel4f __attribute__((vector_size(16)));
typedef double Pixel4d __attribute__((vector_size(32)));
typedef int32_t Pixel4i __attribute__((vector_size(16)));

// Pillow's quad map, prepared for whole output rows. The per-column products
// a1*xin, a3*xin, ... are the same doubles Pillow forms per pixel, so hoisting
// them keeps every result identical.
struct QuadPlan {
  int width = 0;
  int height = 0;
  std::vector<Pixel4f> pixels;
  double a2 = 0.0;
  double a6 = 0.0;
  std::vector<double> px, qx, py, qy;
};

QuadPlan make_plan(const cv::Mat& rgb, cv::Size size, const std::array<double, 8>& data) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "quad transform: expected CV_8UC3");
  DRIG_CHECK(size.width > 0 && size.height > 0, "quad transform: empty output");
  for (const double v : data)
    DRIG_CHECK(std::isfinite(v), "quad transform: non-finite corner");
  QuadPlan plan;
  plan.width = rgb.cols;
  plan.height = rgb.rows;
  plan.pixels.resize(rgb.total());
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* src = rgb.ptr<uint8_t>(y);
    Pixel4f* dst = &plan.pixels[static_cast<size_t>(y) * rgb.cols];
    for (int x = 0; x < rgb.cols; ++x)
      dst[x] = Pixel4f{static_cast<float>(src[3 * x]), static_cast<float>(src[3 * x + 1]),
                       static_cast<float>(src[3 * x + 2]), 0.0f};
  }
  // Image.py's QUAD branch, in its Python operation order.
  const double as = 1.0 / size.width;
  const double at = 1.0 / size.height;
  const double x0 = data[0], y0 = data[1];
  const double swx = data[2], swy = data[3], sex = data[4], sey = data[5];
  const double nex = data[6], ney = data[7];
  const double a0 = x0, a1 = (nex - x0) * as, a3 = (sex - swx - nex + x0) * as * at;
  const double a4 = y0, a5 = (ney - y0) * as, a7 = (sey - swy - ney + y0) * as * at;
  plan.a2 = (swx - x0) * at;
  plan.a6 = (swy - y0) * at;
  for (int x = 0; x < size.width; ++x) {
    const double xin = x + 0.5;
    plan.px.push_back(a0 + a1 * xin);
    plan.qx.push_back(a3 * xin);
    plan.py.push_back(a4 + a5 * xin);
    plan.qy.push_back(a7 * xin);
  }
  return plan;
}

// Output row `y` into `out` (3 bytes per output pixel): Geometry.c's
// quad_transform and bilinear_filter32RGB.
DRIG_FFHQ_CLONES
void sample_row(const QuadPlan& plan, int y, uint8_t* out) {
  const double yin = y + 0.5;
  const double bx = plan.a2 * yin;
  const double by = plan.a6 * yin;
  const int w = plan.width;
  const int h = plan.height;
  const int n = static_cast<int>(plan.px.size());
  for (int x = 0; x < n; ++x, out += 3) {
    // a0 + a1*xin + a2*yin + a3*xin*yin, evaluated left to right.
    double sx = (plan.px[x] + bx) + plan.qx[x] * yin;
    double sy = (plan.py[x] + by) + plan.qy[x] * yin;
    if (sx < 0.0 || sx >= w || sy < 0.0 || sy >= h) {
      out[0] = out[1] = out[2] = 0;
      continue;
    }
    sx -= 0.5;
    sy -= 0.5;
    // Pillow's FLOOR; truncation plus a fix-up avoids a libm call per pixel.
    int ix = static_cast<int>(sx);
    ix -= sx < ix ? 1 : 0;
    int iy = static_cast<int>(sy);
    iy -= sy < iy ? 1 : 0;
    const double dx = sx - ix;
    const double dy = sy - iy;
    const int c0 = ix < 0 ? 0 : (ix < w ? ix : w - 1);
    const int c1 = ix + 1 < 0 ? 0 : (ix + 1 < w ? ix + 1 : w - 1);
    const Pixel4f* r1 = &plan.pixels[static_cast<size_t>(iy < 0 ? 0 : (iy < h ? iy : h - 1)) * w];
    const Pixel4d a = __builtin_convertvector(r1[c0], Pixel4d);
    const Pixel4d b = __builtin_convertvector(r1[c1], Pixel4d);
    Pixel4d v = a + (b - a) * dx;
    // Without a row below, Pillow's v1 + (v1 - v1) * dy is v1 itself.
    if (iy + 1 >= 0 && iy + 1 < h) {
      const Pixel4f* r2 = &plan.pixels[static_cast<size_t>(iy + 1) * w];
      const Pixel4d c = __builtin_convertvector(r2[c0], Pixel4d);
      const Pixel4d d = __builtin_convertvector(r2[c1], Pixel4d);
      const Pixel4d v2 = c + (d - c) * dx;
      v = v + (v2 - v) * dy;
    }
    // (UINT8)v: truncation.
    const Pixel4i t = __builtin_convertvector(v, Pixel4i);
    out[0] = static_cast<uint8_t>(t[0]);
    out[1] = static_cast<uint8_t>(t[1]);
    out[2] = static_cast<uint8_t>(t[2]);
  }
}

} // namespace

cv::Mat pil_quad_transform(const cv::Mat& rgb, cv::Size size, const std::array<double, 8>& data) {
  const QuadPlan plan = make_plan(rgb, size, data);
  cv::Mat out(size, CV_8UC3);
  cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y)
      sample_row(plan, y, out.ptr<uint8_t>(y));
  });
  return out;
}

cv::Mat pil_quad_transform_resized(const cv::Mat& rgb, int transform_size,
                                   const std::array<double, 8>& data, int output_size) {
  if (output_size >= transform_size)
    return pil_quad_transform(rgb, {transform_size, transform_size}, data);
  const QuadPlan plan = make_plan(rgb, {transform_size, transform_size}, data);
  const ResampleAxis axis = lanczos_axis(transform_size, output_size);
  // Pillow runs the horizontal pass only over the rows the vertical one reads.
  const int row0 = axis.first.front();
  const int row1 = axis.first.back() + axis.count.back();
  cv::Mat band(row1 - row0, output_size, CV_8UC3);
  cv::parallel_for_(cv::Range(row0, row1), [&](const cv::Range& range) {
    std::vector<uint8_t> line(static_cast<size_t>(transform_size) * 3);
    for (int y = range.start; y < range.end; ++y) {
      sample_row(plan, y, line.data());
      resample_row_rgb(line.data(), band.ptr<uint8_t>(y - row0), axis);
    }
  });
  return resample_columns_rgb(band, row0, axis);
}

} // namespace drig::ffhq
