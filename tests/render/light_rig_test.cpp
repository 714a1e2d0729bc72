// Directional light -> SH against the analytic irradiance of a distant light.
#include "model/base/sh_constants.h"
#include "render/light_rig.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace drig::render;

namespace {

std::array<double, 3> random_unit(std::mt19937& rng) {
  std::normal_distribution<double> g;
  std::array<double, 3> v{g(rng), g(rng), g(rng)};
  const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / n, v[1] / n, v[2] / n};
}

double dot(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

} // namespace

TEST(LightRig, DirectionConvention) {
  const auto front = light_direction(0, 0), right = light_direction(90, 0),
             up = light_direction(0, 90);
  EXPECT_NEAR(front[2], 1, 1e-12);
  EXPECT_NEAR(right[0], 1, 1e-12);
  EXPECT_NEAR(up[1], 1, 1e-12);
}

// By the addition theorem, the order-2 SH irradiance of a light of intensity I
// from d is I * (1/4 + cos/2 + 5/32 (3cos^2 - 1)) whatever the basis is: this
// checks every coefficient and DECA's constants at once.
TEST(LightRig, ShadingEqualsTheAnalyticSecondOrderIrradiance) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    DirectionalLight light;
    light.azimuth_deg = std::uniform_real_distribution<double>(-180, 180)(rng);
    light.elevation_deg = std::uniform_real_distribution<double>(-89, 89)(rng);
    light.intensity = std::uniform_real_distribution<double>(0.2, 3)(rng);
    light.colour = {1.0, 0.8, 0.5};
    light.ambient = std::uniform_real_distribution<double>(0, 0.5)(rng);
    const ShLight sh = directional_to_sh(light);
    const auto d = light_direction(light.azimuth_deg, light.elevation_deg);
    for (int k = 0; k < 50; ++k) {
      const auto n = random_unit(rng);
      const double c = dot(n, d);
      const double analytic = light.intensity * (0.25 + c / 2 + 5.0 / 32 * (3 * c * c - 1));
      const auto shaded = sh_shade(sh, float(n[0]), float(n[1]), float(n[2]));
      for (size_t ch = 0; ch < 3; ++ch)
        ASSERT_NEAR(shaded[ch], light.colour[ch] * (analytic + light.ambient), 2e-5)
            << "trial " << trial << " channel " << ch;
    }
  }
}

// The 2nd-order approximation of max(0, n.d) is within 0.1 * I everywhere
// (worst at the terminator, cos = 0: 3/32 = 0.094) and close on average.
TEST(LightRig, ApproximatesTheClampedCosine) {
  const DirectionalLight light{35, -20, 2.0, {1, 1, 1}, 0};
  const ShLight sh = directional_to_sh(light);
  const auto d = light_direction(light.azimuth_deg, light.elevation_deg);
  std::mt19937 rng(3);
  double worst = 0, sum = 0;
  const int count = 2000;
  for (int k = 0; k < count; ++k) {
    const auto n = random_unit(rng);
    const double exact = light.intensity * std::max(0.0, dot(n, d));
    const double err =
        std::abs(double(sh_shade(sh, float(n[0]), float(n[1]), float(n[2]))[0]) - exact);
    worst = std::max(worst, err);
    sum += err;
  }
  EXPECT_LT(worst, 0.1 * light.intensity);
  EXPECT_LT(sum / count, 0.05 * light.intensity);
}

TEST(LightRig, AmbientIsUniform) {
  const ShLight sh = directional_to_sh({0, 0, 0.0, {1, 1, 1}, 0.6});
  for (const auto& n : {std::array<float, 3>{0, 0, 1}, {1, 0, 0}, {0, -1, 0}, {0.6f, 0, -0.8f}})
    EXPECT_NEAR(sh_shade(sh, n[0], n[1], n[2])[1], 0.6, 1e-6);
}

TEST(LightRig, DominantLightInvertsTheMapping) {
  const DirectionalLight light{-40, 25, 1.7, {1.0, 0.7, 0.4}, 0.3};
  const DirectionalLight back = dominant_light(directional_to_sh(light));
  EXPECT_NEAR(back.azimuth_deg, light.azimuth_deg, 1e-3);
  EXPECT_NEAR(back.elevation_deg, light.elevation_deg, 1e-3);
  EXPECT_NEAR(back.intensity, light.intensity, 1e-5);
  for (size_t c = 0; c < 3; ++c)
    EXPECT_NEAR(back.colour[c], light.colour[c], 1e-5);
  EXPECT_NEAR(back.ambient, light.ambient, 1e-5);
}
