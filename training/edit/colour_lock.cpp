#include "training/edit/colour_lock.h"

#include "model/base/angles.h"
#include "model/base/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace drig::editing {
namespace {

cv::Mat to_lab(const cv::Mat& rgb) {
  cv::Mat clamped, lab;
  cv::min(cv::max(rgb, 0.0), 1.0, clamped);
  cv::cvtColor(clamped, lab, cv::COLOR_RGB2Lab); // float input: L 0..100, a/b about -128..127
  return lab;
}

// Region-normalised low-pass: the mean of `value` near each pixel, counting
// only the region (so the face's colour does not bleed in from outside).
cv::Mat masked_blur(const cv::Mat& value, const cv::Mat& region, double sigma) {
  cv::Mat weighted, num, den;
  std::vector<cv::Mat> channels;
  cv::split(value, channels);
  for (cv::Mat& c : channels)
    c = c.mul(region);
  cv::merge(channels, weighted);
  cv::GaussianBlur(weighted, num, {0, 0}, sigma, sigma, cv::BORDER_REPLICATE);
  cv::GaussianBlur(region, den, {0, 0}, sigma, sigma, cv::BORDER_REPLICATE);
  cv::max(den, 1e-4, den);
  cv::split(num, channels);
  for (cv::Mat& c : channels)
    c = c / den;
  cv::Mat out;
  cv::merge(channels, out);
  return out;
}

} // namespace

double ciede2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2) {
  // Sharma, Wu and Dalal's formulation (kL = kC = kH = 1).
  const double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
  const double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
  const double c_mean = (std::hypot(a1, b1) + std::hypot(a2, b2)) / 2;
  const double c7 = std::pow(c_mean, 7);
  const double g = 0.5 * (1 - std::sqrt(c7 / (c7 + std::pow(25.0, 7))));
  const double a1p = (1 + g) * a1, a2p = (1 + g) * a2;
  const double c1p = std::hypot(a1p, b1), c2p = std::hypot(a2p, b2);
  const auto hue = [](double b, double a) {
    if (a == 0 && b == 0)
      return 0.0;
    const double h = degrees(std::atan2(b, a));
    return h < 0 ? h + 360 : h;
  };
  const double h1p = hue(b1, a1p), h2p = hue(b2, a2p);
  const double dLp = L2 - L1, dCp = c2p - c1p;
  double dhp = 0;
  if (c1p * c2p != 0) {
    dhp = h2p - h1p;
    if (dhp > 180)
      dhp -= 360;
    else if (dhp < -180)
      dhp += 360;
  }
  const double dHp = 2 * std::sqrt(c1p * c2p) * std::sin(radians(dhp / 2));
  const double l_mean = (L1 + L2) / 2, cp_mean = (c1p + c2p) / 2;
  double hp_mean = h1p + h2p;
  if (c1p * c2p != 0) {
    if (std::abs(h1p - h2p) <= 180)
      hp_mean /= 2;
    else
      hp_mean = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
  }
  const double t =
      1 - 0.17 * std::cos(radians(hp_mean - 30)) + 0.24 * std::cos(radians(2 * hp_mean)) +
      0.32 * std::cos(radians(3 * hp_mean + 6)) - 0.20 * std::cos(radians(4 * hp_mean - 63));
  const double d_theta = 30 * std::exp(-std::pow((hp_mean - 275) / 25, 2));
  const double cp7 = std::pow(cp_mean, 7);
  const double r_c = 2 * std::sqrt(cp7 / (cp7 + std::pow(25.0, 7)));
  const double l50 = (l_mean - 50) * (l_mean - 50);
  const double s_l = 1 + 0.015 * l50 / std::sqrt(20 + l50);
  const double s_c = 1 + 0.045 * cp_mean;
  const double s_h = 1 + 0.015 * cp_mean * t;
  const double r_t = -std::sin(radians(2 * d_theta)) * r_c;
  const double x = dLp / s_l, y = dCp / s_c, z = dHp / s_h;
  return std::sqrt(x * x + y * y + z * z + r_t * y * z);
}

namespace {

// The region-weighted mean of an image already in CIELAB.
cv::Vec3d region_mean(const cv::Mat& lab, const cv::Mat& region) {
  const double total = cv::sum(region)[0];
  DRIG_CHECK(total > 0, "colour lock: the face region is empty");
  std::vector<cv::Mat> c;
  cv::split(lab, c);
  return {cv::sum(c[0].mul(region))[0] / total, cv::sum(c[1].mul(region))[0] / total,
          cv::sum(c[2].mul(region))[0] / total};
}

} // namespace

cv::Vec3d mean_lab(const cv::Mat& rgb, const cv::Mat& region) {
  return region_mean(to_lab(rgb), region);
}

ColourLockResult lock_colour(const cv::Mat& source, const cv::Mat& result, const cv::Mat& region,
                             double strength, ColourLockMode mode) {
  DRIG_CHECK(source.type() == CV_32FC3 && result.type() == CV_32FC3 && region.type() == CV_32FC1,
             "colour lock: images must be float RGB and the region a float mask");
  DRIG_CHECK(source.size() == result.size() && region.size() == result.size(),
             "colour lock: the source ({}x{}), result ({}x{}) and region ({}x{}) differ in size",
             source.cols, source.rows, result.cols, result.rows, region.cols, region.rows);
  DRIG_CHECK(strength >= 0 && strength <= 1, "colour lock strength {} is outside 0..1", strength);
  // Each image goes to CIELAB once: the means and the correction share it.
  const cv::Mat src_lab = to_lab(source), res_lab = to_lab(result);
  const cv::Vec3d mean_src = region_mean(src_lab, region), mean_res = region_mean(res_lab, region);
  ColourLockResult out;
  out.delta_e_before = ciede2000(mean_src, mean_res);
  if (strength == 0) {
    out.image = result.clone();
    out.delta_e_after = out.delta_e_before;
    return out;
  }
  const cv::Mat diff = res_lab - src_lab;
  // Low frequencies only: a blur a sixth of the crop wide keeps pores,
  // wrinkles and the edit's shading, and follows the colour's slow drift.
  const double sigma = std::max(2.0, result.cols / 6.0);
  std::vector<cv::Mat> d;
  cv::split(masked_blur(diff, region, sigma), d);
  if (mode == ColourLockMode::full) {
    // Lightness: only its mean; the new shading is the edit.
    d[0].setTo(mean_res[0] - mean_src[0]);
  } else {
    // The new light's colour is the chroma shift most of the face shares
    // (the median: a drift on part of the face does not move it); its
    // brightness is the edit's too.
    d[0].setTo(0);
    std::vector<cv::Mat> diffs;
    cv::split(diff, diffs);
    for (int c = 1; c < 3; ++c) {
      std::vector<float> inside;
      for (int y = 0; y < region.rows; ++y)
        for (int x = 0; x < region.cols; ++x)
          if (region.at<float>(y, x) > 0.5f)
            inside.push_back(diffs[size_t(c)].at<float>(y, x));
      DRIG_CHECK(!inside.empty(), "colour lock: the face region is empty");
      std::nth_element(inside.begin(), inside.begin() + long(inside.size() / 2), inside.end());
      d[size_t(c)] -= inside[inside.size() / 2];
    }
  }
  std::vector<cv::Mat> lab;
  cv::split(res_lab, lab);
  for (int c = 0; c < 3; ++c)
    lab[size_t(c)] -= d[size_t(c)];
  cv::Mat locked_lab, locked;
  cv::merge(lab, locked_lab);
  cv::cvtColor(locked_lab, locked, cv::COLOR_Lab2RGB);
  // Full strength inside the face, fading out over its edge; blended in RGB
  // so that pixels away from the face stay exactly as sampled.
  cv::Mat weight;
  cv::GaussianBlur(region, weight, {0, 0}, std::max(1.0, result.cols / 40.0));
  weight *= strength;
  cv::Mat weight3, change;
  cv::merge(std::vector<cv::Mat>{weight, weight, weight}, weight3);
  cv::multiply(locked - result, weight3, change);
  cv::min(cv::max(result + change, 0.0), 1.0, out.image);
  out.delta_e_after = ciede2000(mean_src, mean_lab(out.image, region));
  return out;
}

} // namespace drig::editing
