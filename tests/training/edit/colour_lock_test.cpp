// Colour lock on a real aligned face with known colour casts: the skin's
// CIEDE2000 from the source falls to <= 2, the detail stays (Laplacian of
// the face's lightness within 1 %), and a light edit keeps its colour.
#include "model/base/error.h"
#include "tests/support/test_paths.h"
#include "training/edit/colour_lock.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace drig;
using namespace drig::editing;

namespace {

cv::Mat aligned_face() {
  const auto path = test::shared_dir() / "reference/align/expected/portraits/exp_2.png";
  cv::Mat bgr = cv::imread(path.string()), rgb;
  EXPECT_FALSE(bgr.empty()) << path;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32FC3, 1 / 255.0);
  return rgb;
}

cv::Mat face_region(cv::Size size) {
  cv::Mat region = cv::Mat::zeros(size, CV_32FC1);
  cv::ellipse(region, {size.width / 2, size.height * 11 / 20},
              {size.width * 5 / 16, size.height * 3 / 8}, 0, 0, 360, cv::Scalar(1), cv::FILLED);
  return region;
}

// Per-channel gains: a white-balance shift.
cv::Mat cast(const cv::Mat& rgb, cv::Vec3f gain) {
  cv::Mat out;
  cv::multiply(rgb, cv::Scalar(gain[0], gain[1], gain[2]), out);
  cv::min(out, 1.0, out);
  return out;
}

double laplacian_energy(const cv::Mat& rgb, const cv::Mat& region) {
  cv::Mat lab, lap;
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  std::vector<cv::Mat> c;
  cv::split(lab, c);
  cv::Laplacian(c[0], lap, CV_32F);
  cv::Mat inner;
  cv::erode(region, inner, cv::Mat(), {-1, -1}, 8);
  return cv::sum(lap.mul(lap).mul(inner))[0];
}

} // namespace

TEST(ColourLock, Ciede2000MatchesSharmasTestPairs) {
  // Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 17 and 25.
  EXPECT_NEAR(ciede2000({50, 2.6772, -79.7751}, {50, 0, -82.7485}), 2.0425, 1e-4);
  EXPECT_NEAR(ciede2000({50, 0, 0}, {50, -1, 2}), 2.3669, 1e-4);
  EXPECT_NEAR(ciede2000({50, 2.5, 0}, {73, 25, -18}), 27.1492, 1e-4);
  EXPECT_NEAR(ciede2000({60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}), 1.2644, 1e-4);
  EXPECT_EQ(ciede2000({40, 10, 10}, {40, 10, 10}), 0.0);
}

TEST(ColourLock, AColourCastIsRemovedAndTheDetailKept) {
  DRIG_REQUIRE_SHARED();
  const cv::Mat source = aligned_face();
  const cv::Mat region = face_region(source.size());
  // A warm white-balance shift with a slow tint across the face, as a
  // sampler's drift looks.
  cv::Mat result = cast(source, {1.12f, 1.0f, 0.85f});
  cv::Mat ramp(source.size(), CV_32FC3);
  for (int y = 0; y < ramp.rows; ++y)
    for (int x = 0; x < ramp.cols; ++x)
      ramp.at<cv::Vec3f>(y, x) = {0, 0.04f * x / ramp.cols, 0};
  result = cv::max(cv::min(result + ramp, 1.0), 0.0);
  const ColourLockResult locked = lock_colour(source, result, region, 1.0);
  std::printf("skin CIEDE2000: %.2f -> %.2f\n", locked.delta_e_before, locked.delta_e_after);
  EXPECT_GT(locked.delta_e_before, 5.0);
  EXPECT_LE(locked.delta_e_after, 2.0);
  const double before = laplacian_energy(result, region),
               after = laplacian_energy(locked.image, region);
  std::printf("Laplacian energy of L: %.1f -> %.1f\n", before, after);
  EXPECT_NEAR(after / before, 1.0, 0.01) << "only the low frequencies change";
  // Half strength goes half way; none changes nothing.
  const ColourLockResult half = lock_colour(source, result, region, 0.5);
  EXPECT_GT(half.delta_e_after, locked.delta_e_after);
  EXPECT_LT(half.delta_e_after, locked.delta_e_before);
  const ColourLockResult none = lock_colour(source, result, region, 0.0);
  EXPECT_EQ(cv::norm(none.image, result, cv::NORM_INF), 0.0);
  // Outside the face (far from it) the result is as sampled.
  EXPECT_LT(
      cv::norm(locked.image(cv::Rect(0, 0, 12, 12)), result(cv::Rect(0, 0, 12, 12)), cv::NORM_INF),
      1e-3);
}

TEST(ColourLock, ALightEditKeepsItsColourTemperature) {
  DRIG_REQUIRE_SHARED();
  const cv::Mat source = aligned_face();
  const cv::Mat region = face_region(source.size());
  // A warm light: the cast is the edit.
  const cv::Mat warm = cast(source, {1.1f, 1.0f, 0.8f});
  const ColourLockResult kept =
      lock_colour(source, warm, region, 1.0, ColourLockMode::keep_light_colour);
  EXPECT_GT(kept.delta_e_after, 0.8 * kept.delta_e_before) << "the light's colour stays";
  // Its colour temperature, on the highlights (the brightest tenth of the
  // face), stays the warm light's: b* (yellow-blue) within a tenth of the
  // light's own shift (measured 1.9 of 25).
  const auto highlight_b = [&](const cv::Mat& rgb) {
    cv::Mat lab;
    cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
    std::vector<std::pair<float, float>> lb; // (L*, b*) inside the face
    for (int y = 0; y < lab.rows; ++y)
      for (int x = 0; x < lab.cols; ++x)
        if (region.at<float>(y, x) > 0.5f)
          lb.emplace_back(lab.at<cv::Vec3f>(y, x)[0], lab.at<cv::Vec3f>(y, x)[2]);
    std::sort(lb.begin(), lb.end(), [](auto p, auto q) { return p.first > q.first; });
    double sum = 0;
    const size_t n = lb.size() / 10;
    for (size_t i = 0; i < n; ++i)
      sum += lb[i].second;
    return sum / double(n);
  };
  std::printf("highlight b*: source %.1f, warm light %.1f, locked %.1f\n", highlight_b(source),
              highlight_b(warm), highlight_b(kept.image));
  EXPECT_GT(highlight_b(warm) - highlight_b(source), 3.0) << "the light is warm";
  EXPECT_NEAR(highlight_b(kept.image), highlight_b(warm),
              0.1 * (highlight_b(warm) - highlight_b(source)));
  // The full lock would have taken that warmth away.
  const ColourLockResult full = lock_colour(source, warm, region, 1.0);
  EXPECT_LT(std::abs(highlight_b(full.image) - highlight_b(source)),
            0.5 * (highlight_b(warm) - highlight_b(source)));
  EXPECT_THROW(lock_colour(source, warm, region(cv::Rect(0, 0, 10, 10)).clone(), 1.0), drig::Error);
}
