#include "training/rig/deca_preprocess.h"

#include "model/base/error.h"
#include "training/rig/skimage_ops.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>

namespace drig::fitting {

namespace {

// The originals drop alpha and repeat grey to three channels before cropping.
cv::Mat as_rgb8(const cv::Mat& image, const char* what) {
  DRIG_CHECK(!image.empty() && image.depth() == CV_8U &&
                 (image.channels() == 1 || image.channels() == 3 || image.channels() == 4),
             "{}: expected an 8-bit grey, RGB or RGBA image", what);
  if (image.channels() == 3)
    return image;
  cv::Mat rgb;
  cv::cvtColor(image, rgb, image.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_RGBA2RGB);
  return rgb;
}

} // namespace

DecaCrop deca_crop(const cv::Mat& rgb, const std::vector<cv::Point2d>& landmarks68, int crop_size,
                   double scale) {
  const cv::Mat image8 = as_rgb8(rgb, "DECA crop");
  DRIG_CHECK(landmarks68.size() == 68, "DECA crop: expected 68 landmarks, got {}",
             landmarks68.size());
  DRIG_CHECK(crop_size >= 2 && scale > 0, "DECA crop: bad crop size {} or scale {}", crop_size,
             scale);
  double left = landmarks68[0].x, right = left, top = landmarks68[0].y, bottom = top;
  for (const cv::Point2d& p : landmarks68) {
    left = std::min(left, p.x);
    right = std::max(right, p.x);
    top = std::min(top, p.y);
    bottom = std::max(bottom, p.y);
  }
  // bbox2point(type='kpt68') and int(old_size * scale), as datasets.py:81-92, 127.
  const double old_size = (right - left + bottom - top) / 2 * 1.1;
  const double cx = right - (right - left) / 2.0;
  const double cy = bottom - (bottom - top) / 2.0;
  const double size = double(int64_t(old_size * scale));
  DRIG_CHECK(size > 0, "DECA crop: the landmarks span no area");

  const double half = size / 2;
  const std::vector<cv::Point2d> src = {
      {cx - half, cy - half}, {cx - half, cy + half}, {cx + half, cy - half}};
  const double last = crop_size - 1;
  const std::vector<cv::Point2d> dst = {{0, 0}, {0, last}, {last, 0}};
  DecaCrop crop;
  crop.tform = skimage::estimate_similarity(src, dst);

  // image / 255.: a true division, as numpy does (OpenCV's scaling would
  // multiply by the reciprocal, which rounds differently).
  cv::Mat unit(image8.size(), CV_64FC3);
  for (int r = 0; r < image8.rows; ++r) {
    const uint8_t* in = image8.ptr<uint8_t>(r);
    double* out = unit.ptr<double>(r);
    for (int i = 0; i < image8.cols * 3; ++i)
      out[i] = double(in[i]) / 255.0;
  }
  const cv::Mat warped =
      skimage::warp_bilinear(unit, crop.tform.inv(cv::DECOMP_LU), {crop_size, crop_size});
  warped.convertTo(crop.image, CV_32FC3);
  return crop;
}

cv::Mat diffusionrig_resize(const cv::Mat& rgb, int size) {
  const cv::Mat image8 = as_rgb8(rgb, "DiffusionRig resize");
  DRIG_CHECK(size > 0, "DiffusionRig resize: bad size {}", size);
  const cv::Mat resized = skimage::resize_antialiased(image8, {size, size});
  cv::Mat out(resized.size(), CV_8UC3);
  for (int r = 0; r < resized.rows; ++r) {
    const double* in = resized.ptr<double>(r);
    uint8_t* o = out.ptr<uint8_t>(r);
    // (x * 255.).astype(np.uint8): values lie in [0, 255], so a truncation.
    for (int i = 0; i < resized.cols * 3; ++i)
      o[i] = uint8_t(in[i] * 255.0);
  }
  return out;
}

} // namespace drig::fitting
