#include "training/ffhq_align/ffhq_align.h"

#include "model/base/error.h"
#include "training/ffhq_align/pil_quad_transform.h"
#include "training/ffhq_align/pil_resample.h"
#include "training/ffhq_align/reflect_blur.h"

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace drig::ffhq {
namespace {

using Corners = std::array<cv::Point2d, 4>;

// Mean of 6 consecutive landmarks: numpy sums from 0.0 in order, then divides.
cv::Point2d mean6(const std::vector<cv::Point2d>& lm, int first) {
  double sx = 0.0, sy = 0.0;
  for (int i = first; i < first + 6; ++i) {
    sx += lm[i].x;
    sy += lm[i].y;
  }
  return {sx / 6, sy / 6};
}

// (floor(min x), floor(min y), ceil(max x), ceil(max y)), as crop and pad use it.
std::array<int, 4> integer_bounds(const Corners& quad) {
  double minx = quad[0].x, miny = quad[0].y, maxx = quad[0].x, maxy = quad[0].y;
  for (const cv::Point2d& p : quad) {
    minx = std::min(minx, p.x);
    miny = std::min(miny, p.y);
    maxx = std::max(maxx, p.x);
    maxy = std::max(maxy, p.y);
  }
  return {static_cast<int>(std::floor(minx)), static_cast<int>(std::floor(miny)),
          static_cast<int>(std::ceil(maxx)), static_cast<int>(std::ceil(maxy))};
}

// PIL's Image.crop: the box may reach outside the image, which reads as black.
cv::Mat pil_crop(const cv::Mat& img, const std::array<int, 4>& box) {
  cv::Mat out =
      cv::Mat::zeros(std::max(box[3] - box[1], 0), std::max(box[2] - box[0], 0), img.type());
  const cv::Rect inside =
      cv::Rect(box[0], box[1], out.cols, out.rows) & cv::Rect(0, 0, img.cols, img.rows);
  if (!inside.empty())
    img(inside).copyTo(out(inside - cv::Point(box[0], box[1])));
  return out;
}

// Coordinates are continuous with pixel (i, j) covering [i, i+1) x [j, j+1), so
// pixel centres sit at +0.5: the convention of Pillow's resize and transform,
// which is what actually moves the pixels. (The original's quad is built from
// dlib's integer landmark indices, whose centres are at +0; that is why it adds
// 0.5 before the transform.) The chain, aligned to source: the Lanczos resize
// (aligned * T / N), the QUAD map (affine: a parallelogram has a3 = a7 = 0 up
// to rounding), minus the pad, plus the crop origin, times the shrink scale
// W / rsize_w (rsize is rounded, so this is not exactly `shrink`).
void fill_maps(AlignResult& result, const cv::Size& source, const AlignParams& params) {
  const AlignTrace& t = result.trace;
  const std::array<double, 8>& d = t.transform_data;
  const int out_n = std::min(params.output_size, params.transform_size);
  const double to_transform = static_cast<double>(params.transform_size) / out_n;
  const double inv = 1.0 / params.transform_size;
  const double scale_x = t.rsize ? static_cast<double>(source.width) / t.rsize->width : 1.0;
  const double scale_y = t.rsize ? static_cast<double>(source.height) / t.rsize->height : 1.0;
  const double off_x = (t.cropped ? t.crop[0] : 0) - (t.padded ? t.pad[0] : 0);
  const double off_y = (t.cropped ? t.crop[1] : 0) - (t.padded ? t.pad[1] : 0);
  const cv::Matx23d a(scale_x * (d[6] - d[0]) * inv * to_transform,
                      scale_x * (d[2] - d[0]) * inv * to_transform, scale_x * (d[0] + off_x),
                      scale_y * (d[7] - d[1]) * inv * to_transform,
                      scale_y * (d[3] - d[1]) * inv * to_transform, scale_y * (d[1] + off_y));
  const double det = a(0, 0) * a(1, 1) - a(0, 1) * a(1, 0);
  DRIG_CHECK(det != 0.0, "align: degenerate face quad");
  const double i00 = a(1, 1) / det, i01 = -a(0, 1) / det;
  const double i10 = -a(1, 0) / det, i11 = a(0, 0) / det;
  result.aligned_to_source = a;
  result.source_to_aligned = cv::Matx23d(i00, i01, -(i00 * a(0, 2) + i01 * a(1, 2)), i10, i11,
                                         -(i10 * a(0, 2) + i11 * a(1, 2)));
}

} // namespace

Quad quad_from_landmarks(const std::vector<cv::Point2d>& lm) {
  DRIG_CHECK(lm.size() == 68, "align: expected 68 landmarks, got {}", lm.size());
  // numpy's float64 operations in the original's order (align.py:24-46).
  const cv::Point2d eye_left = mean6(lm, 36);
  const cv::Point2d eye_right = mean6(lm, 42);
  const cv::Point2d eye_avg((eye_left.x + eye_right.x) * 0.5, (eye_left.y + eye_right.y) * 0.5);
  const cv::Point2d eye_to_eye(eye_right.x - eye_left.x, eye_right.y - eye_left.y);
  const cv::Point2d mouth_avg((lm[48].x + lm[54].x) * 0.5, (lm[48].y + lm[54].y) * 0.5);
  const cv::Point2d eye_to_mouth(mouth_avg.x - eye_avg.x, mouth_avg.y - eye_avg.y);
  cv::Point2d x(eye_to_eye.x - -eye_to_mouth.y, eye_to_eye.y - eye_to_mouth.x);
  const double norm = std::hypot(x.x, x.y);
  x.x /= norm;
  x.y /= norm;
  const double len = std::max(std::hypot(eye_to_eye.x, eye_to_eye.y) * 2.0,
                              std::hypot(eye_to_mouth.x, eye_to_mouth.y) * 1.8);
  x.x *= len;
  x.y *= len;
  const cv::Point2d y(-x.y, x.x);
  const cv::Point2d c(eye_avg.x + eye_to_mouth.x * 0.1, eye_avg.y + eye_to_mouth.y * 0.1);
  Quad quad;
  quad.corners = {
      cv::Point2d(c.x - x.x - y.x, c.y - x.y - y.y), cv::Point2d(c.x - x.x + y.x, c.y - x.y + y.y),
      cv::Point2d(c.x + x.x + y.x, c.y + x.y + y.y), cv::Point2d(c.x + x.x - y.x, c.y + x.y - y.y)};
  quad.qsize = std::hypot(x.x, x.y) * 2;
  return quad;
}

AlignResult align_face(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks68,
                       const AlignParams& params) {
  DRIG_CHECK(rgb.type() == CV_8UC3 && !rgb.empty(), "align: expected a non-empty 8-bit RGB image");
  DRIG_CHECK(params.output_size > 0 && params.transform_size > 0, "align: bad output size {}/{}",
             params.output_size, params.transform_size);
  const auto stage = [&](const char* name, const cv::Mat& image) {
    if (params.on_stage)
      params.on_stage(name, image);
  };
  AlignResult result;
  AlignTrace& t = result.trace;
  t.quad_source = quad_from_landmarks(landmarks68);
  DRIG_CHECK(std::isfinite(t.quad_source.qsize) && t.quad_source.qsize > 0.0,
             "align: degenerate landmarks (eyes and mouth coincide)");
  Corners quad = t.quad_source.corners;
  double qsize = t.quad_source.qsize;
  cv::Mat img = rgb;

  // Shrink (align.py:57-64): only from shrink 2 on.
  t.shrink = static_cast<int>(std::floor(qsize / params.output_size * 0.5));
  if (t.shrink > 1) {
    const cv::Size rsize(
        static_cast<int>(std::nearbyint(static_cast<double>(img.cols) / t.shrink)),
        static_cast<int>(std::nearbyint(static_cast<double>(img.rows) / t.shrink)));
    img = pil_resize_lanczos(img, rsize);
    for (cv::Point2d& p : quad)
      p /= static_cast<double>(t.shrink);
    qsize /= t.shrink;
    t.rsize = rsize;
    stage("after_shrink", img);
  }

  // Crop (align.py:66-75).
  t.border = std::max(static_cast<int>(std::nearbyint(qsize * 0.1)), 3);
  const std::array<int, 4> bounds = integer_bounds(quad);
  t.crop = {std::max(bounds[0] - t.border, 0), std::max(bounds[1] - t.border, 0),
            std::min(bounds[2] + t.border, img.cols), std::min(bounds[3] + t.border, img.rows)};
  if (t.crop[2] - t.crop[0] < img.cols || t.crop[3] - t.crop[1] < img.rows) {
    img = pil_crop(img, t.crop);
    for (cv::Point2d& p : quad)
      p -= cv::Point2d(t.crop[0], t.crop[1]);
    t.cropped = true;
  }
  if (img.empty()) {
    result.failure = "the face lies outside the image";
    return result;
  }
  stage("after_crop", img);

  // Pad (align.py:77-102): only when some side needs more than border - 4 px.
  const std::array<int, 4> pb = integer_bounds(quad);
  t.pad_raw = {std::max(-pb[0] + t.border, 0), std::max(-pb[1] + t.border, 0),
               std::max(pb[2] - img.cols + t.border, 0), std::max(pb[3] - img.rows + t.border, 0)};
  if (params.enable_padding &&
      *std::max_element(t.pad_raw.begin(), t.pad_raw.end()) > t.border - 4) {
    const int least = static_cast<int>(std::nearbyint(qsize * 0.3));
    for (int i = 0; i < 4; ++i)
      t.pad[i] = std::max(t.pad_raw[i], least);
    cv::Mat padded = numpy_reflect_pad(img, t.pad);
    stage("after_reflect_pad", padded);
    const cv::Mat mask = padding_mask(padded.size(), t.pad);
    stage("mask", mask);
    t.blur = qsize * 0.02;
    blend_blurred(padded, scipy_gaussian_filter(padded, t.blur), mask);
    stage("after_blur_blend", padded);
    const cv::Vec3f median = numpy_median(padded);
    t.median = {median[0], median[1], median[2]};
    blend_median(padded, median, mask);
    stage("after_median_blend", padded);
    img = rint_to_u8(padded);
    for (cv::Point2d& p : quad)
      p += cv::Point2d(t.pad[0], t.pad[1]);
    t.padded = true;
  }
  t.size_before_transform = img.size();
  for (int k = 0; k < 4; ++k) {
    t.transform_data[2 * k] = quad[k].x + 0.5;
    t.transform_data[2 * k + 1] = quad[k].y + 0.5;
  }

  // Minimum size (align.py:104-106): the original saves nothing.
  result.region_px = std::min(img.cols, img.rows);
  if ((img.cols < params.output_size || img.rows < params.output_size) && params.upscale_small) {
    result.upscaled = true;
  } else if (img.cols < params.output_size || img.rows < params.output_size) {
    result.failure = fmt::format("resolution too low: the face region is {}x{} px after shrink, "
                                 "crop and pad, less than the {} px output",
                                 img.cols, img.rows, params.output_size);
    return result;
  }
  stage("before_transform", img);

  // Transform + final resize (align.py:108-115).
  result.image =
      pil_quad_transform_resized(img, params.transform_size, t.transform_data, params.output_size);
  fill_maps(result, rgb.size(), params);
  return result;
}

} // namespace drig::ffhq
