#include "training/edit/paste_back.h"

#include "model/base/error.h"
#include "model/base/options.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace drig::editing {
namespace {

// OpenCV's warp maps integer pixel indices; the alignment maps pixel centres
// at +0.5. source_index -> aligned_index for warpAffine's inverse map.
cv::Matx23d index_map(const cv::Matx23d& aligned_to_source) {
  cv::Matx33d a2s(aligned_to_source(0, 0), aligned_to_source(0, 1), aligned_to_source(0, 2),
                  aligned_to_source(1, 0), aligned_to_source(1, 1), aligned_to_source(1, 2), 0, 0,
                  1);
  const cv::Matx33d half(1, 0, 0.5, 0, 1, 0.5, 0, 0, 1), back(1, 0, -0.5, 0, 1, -0.5, 0, 0, 1);
  const cv::Matx33d m = back * a2s.inv() * half;
  return cv::Matx23d(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2));
}

} // namespace

cv::Rect paste_region(const cv::Size& photo, int crop_size, const cv::Matx23d& a2s) {
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (double u : {0.0, double(crop_size)})
    for (double v : {0.0, double(crop_size)}) {
      const double x = a2s(0, 0) * u + a2s(0, 1) * v + a2s(0, 2);
      const double y = a2s(1, 0) * u + a2s(1, 1) * v + a2s(1, 2);
      x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
    }
  const cv::Rect box(int(std::floor(x0)) - 1, int(std::floor(y0)) - 1, int(std::ceil(x1 - x0)) + 3,
                     int(std::ceil(y1 - y0)) + 3);
  return box & cv::Rect(cv::Point(0, 0), photo);
}

void PasteOptions::check(OptionCheck& c) const {
  c.require(grow >= 0 && grow <= 0.5,
            fmt::format("paste-back: mask growth must be 0..0.5 of the crop, got {}", grow));
  c.require(feather >= 0 && feather <= 0.5,
            fmt::format("paste-back: feather width must be 0..0.5 of the crop, got {}", feather));
}

cv::Mat paste_mask(const cv::Mat& alpha_source, const cv::Mat& alpha_edit, const PasteOptions& o) {
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("paste-back options");
  DRIG_CHECK(alpha_source.type() == CV_32FC1 && alpha_edit.type() == CV_32FC1 &&
                 alpha_source.size() == alpha_edit.size(),
             "paste mask: the alpha images must be CV_32FC1 of one size");
  const int n = alpha_source.cols;
  cv::Mat mask = cv::max(alpha_source, alpha_edit);
  cv::threshold(mask, mask, 0.5, 1.0, cv::THRESH_BINARY);
  const int grow = std::max(1, int(std::lround(o.grow * n)));
  cv::dilate(mask, mask,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
  const double sigma = std::max(0.5, o.feather * n / 3.0);
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), sigma, sigma, cv::BORDER_CONSTANT);
  // Zero near the crop's border, so nothing outside the crop is touched.
  const int margin = int(std::ceil(3 * sigma / 2));
  cv::Mat ramp(mask.size(), CV_32FC1);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const int d = std::min({x, y, n - 1 - x, n - 1 - y});
      ramp.at<float>(y, x) = std::clamp(float(d) / float(std::max(1, margin)), 0.0f, 1.0f);
    }
  return mask.mul(ramp);
}

cv::Mat paste_back(const cv::Mat& photo, const cv::Mat& aligned, const cv::Mat& result,
                   const cv::Mat& mask, const cv::Matx23d& a2s, const PasteOptions& o) {
  DRIG_CHECK(photo.type() == CV_8UC3 || photo.type() == CV_16UC3,
             "paste back: the photo must be 8- or 16-bit RGB");
  DRIG_CHECK(aligned.type() == CV_32FC3 && result.type() == CV_32FC3 &&
                 aligned.size() == result.size() && mask.size() == result.size() &&
                 mask.type() == CV_32FC1,
             "paste back: crop, result and mask must be float images of one size");
  const int n = result.cols;
  cv::Mat delta = result - aligned;
  if (o.colour_match) {
    // The feather band: where the mask fades.
    cv::Mat band = (mask > 0.02f) & (mask < 0.5f);
    if (cv::countNonZero(band) > 0) {
      const cv::Scalar shift = cv::mean(delta, band);
      cv::subtract(delta, shift, delta);
    }
  }
  cv::Mat weighted;
  {
    std::vector<cv::Mat> ch;
    cv::split(delta, ch);
    for (auto& c : ch)
      c = c.mul(mask);
    cv::merge(ch, weighted);
  }
  const cv::Rect box = paste_region(photo.size(), n, a2s);
  cv::Mat out = photo.clone();
  if (box.empty())
    return out;
  // Warp into the box: shift the map by the box origin.
  cv::Matx23d m = index_map(a2s);
  m(0, 2) += m(0, 0) * box.x + m(0, 1) * box.y;
  m(1, 2) += m(1, 0) * box.x + m(1, 1) * box.y;
  cv::Mat warped_delta, warped_mask;
  cv::warpAffine(weighted, warped_delta, m, box.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar::all(0));
  cv::warpAffine(mask, warped_mask, m, box.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar::all(0));
  const double scale = photo.depth() == CV_16U ? 65535.0 : 255.0;
  cv::Mat roi = out(box);
  for (int y = 0; y < box.height; ++y) {
    const float* w = warped_mask.ptr<float>(y);
    const cv::Vec3f* d = warped_delta.ptr<cv::Vec3f>(y);
    for (int x = 0; x < box.width; ++x) {
      if (w[x] <= 0.0f)
        continue; // outside the mask: untouched, bit for bit
      for (int c = 0; c < 3; ++c) {
        if (photo.depth() == CV_16U) {
          auto& p = roi.at<cv::Vec3w>(y, x)[c];
          p = cv::saturate_cast<uint16_t>(p + d[x][c] * scale);
        } else {
          auto& p = roi.at<cv::Vec3b>(y, x)[c];
          p = cv::saturate_cast<uint8_t>(p + d[x][c] * scale);
        }
      }
    }
  }
  return out;
}

} // namespace drig::editing
