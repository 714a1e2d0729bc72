// Panorama / background -> SH against environments whose projection is known
// in closed form (Funk-Hecke: a cap of half-angle a around d of radiance L
// has L_k = lambda_l Y_k(d), lambda = 2 pi L (1 - cos a), pi L sin^2 a,
// pi L cos a sin^2 a for bands 0, 1, 2).
#include "model/base/angles.h"
#include "model/base/error.h"
#include "render/environment_light.h"
#include "render/light_rig.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace drig::render;

namespace {

using drig::kPi;

double angle_between(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return std::acos(std::clamp(a[0] * b[0] + a[1] * b[1] + a[2] * b[2], -1.0, 1.0));
}

// A cap of radiance `radiance` (white) around `d`, each pixel's coverage
// from 8 x 8 samples where the rim crosses it.
Environment cap_environment(int height, const std::array<double, 3>& d, double half_angle,
                            double radiance) {
  Environment env{2 * height, height, {}};
  env.rgb.assign(size_t(env.width) * size_t(height) * 3, 0.0f);
  const double pixel = kPi / height;
  for (int i = 0; i < height; ++i)
    for (int j = 0; j < env.width; ++j) {
      const auto at = [&](double di, double dj) {
        return light_direction((j + dj) * 360.0 / env.width - 180, 90 - (i + di) * 180.0 / height);
      };
      const double centre = angle_between(at(0.5, 0.5), d);
      double coverage = 0;
      if (centre < half_angle - 2 * pixel) {
        coverage = 1;
      } else if (centre < half_angle + 2 * pixel) {
        for (int a = 0; a < 8; ++a)
          for (int b = 0; b < 8; ++b)
            coverage += angle_between(at((a + 0.5) / 8, (b + 0.5) / 8), d) < half_angle;
        coverage /= 64;
      }
      for (int c = 0; c < 3; ++c)
        env.rgb[(size_t(i) * size_t(env.width) + size_t(j)) * 3 + size_t(c)] =
            float(radiance * coverage);
    }
  return env;
}

ShLight analytic_cap(const std::array<double, 3>& d, double a, double radiance) {
  const double s2 = std::sin(a) * std::sin(a);
  const double lambda[3] = {2 * kPi * radiance * (1 - std::cos(a)), kPi * radiance * s2,
                            kPi * radiance * std::cos(a) * s2};
  const std::array<double, 9> y = real_sh(d);
  ShLight sh{};
  for (size_t k = 0; k < 9; ++k) {
    const int band = k == 0 ? 0 : k < 4 ? 1 : 2;
    for (size_t c = 0; c < 3; ++c)
      sh[k * 3 + c] = float((k == 0 ? kPi : 1.0) * lambda[band] * y[k]);
  }
  return sh;
}

} // namespace

TEST(EnvironmentLight, AUniformSkyGivesTheAnalyticCoefficients) {
  // Radiance 1 over the upper hemisphere, nothing below: a cap of 90 degrees
  // around +y, whose band 2 vanishes.
  Environment sky{1024, 512, {}};
  sky.rgb.assign(size_t(1024) * 512 * 3, 0.0f);
  std::fill(sky.rgb.begin(), sky.rgb.begin() + 1024 * 256 * 3, 1.0f);
  const ShLight got = environment_to_sh(sky);
  const ShLight want = analytic_cap({0, 1, 0}, kPi / 2, 1.0);
  for (size_t k = 0; k < 27; ++k)
    EXPECT_NEAR(got[k], want[k], 1e-3) << "coefficient " << k;
  // Shaded: a face turned up gets pi (all of the sky), one facing down none.
  EXPECT_NEAR(sh_shade(got, 0, 1, 0)[0], kPi, 0.2); // 2nd order of a hard horizon
  EXPECT_NEAR(sh_shade(got, 0, 0, 1)[0], kPi / 2, 1e-3);
}

TEST(EnvironmentLight, ASmallBrightSourceLightsFromItsDirection) {
  const std::array<double, 3> d = light_direction(40, 25);
  const double a = drig::radians(8);
  // Unit power: radiance times the cap's solid angle is 1.
  const double radiance = 1 / (2 * kPi * (1 - std::cos(a)));
  const Environment env = cap_environment(1024, d, a, radiance);
  const ShLight got = environment_to_sh(env);
  const ShLight want = analytic_cap(d, a, radiance);
  for (size_t k = 0; k < 27; ++k)
    EXPECT_NEAR(got[k], want[k], 1e-3) << "coefficient " << k;
  // Close to a distant light of intensity 1 from there (the cap's size aside).
  const ShLight point = directional_to_sh({40, 25, 1, {1, 1, 1}, 0});
  for (size_t k = 0; k < 27; ++k)
    EXPECT_NEAR(got[k], point[k], 0.02) << "coefficient " << k;
  const DirectionalLight dominant = dominant_light(got);
  EXPECT_NEAR(dominant.azimuth_deg, 40, 0.5);
  EXPECT_NEAR(dominant.elevation_deg, 25, 0.5);
  // Turning the panorama turns the light with it.
  const DirectionalLight turned = dominant_light(environment_to_sh(env, 30));
  EXPECT_NEAR(turned.azimuth_deg, 70, 0.5);
  EXPECT_NEAR(turned.elevation_deg, 25, 0.5);
  EXPECT_THROW(environment_to_sh(Environment{4, 2, {1, 2}}), drig::Error);
}

TEST(EnvironmentLight, ABackgroundsBrightSideLightsThatSideOfTheFace) {
  // A dim room with a bright window in the upper left of the photo.
  const int w = 90, h = 60;
  std::vector<float> rgb(size_t(w) * h * 3, 0.05f);
  for (int y = 5; y < 25; ++y)
    for (int x = 5; x < 25; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(size_t(y) * w + size_t(x)) * 3 + size_t(c)] = 4.0f;
  const Environment env = background_to_environment(rgb, w, h);
  EXPECT_EQ(env.width, 2 * env.height);
  const DirectionalLight light = dominant_light(environment_to_sh(env));
  EXPECT_LT(light.azimuth_deg, -20) << "from the image's left";
  EXPECT_GT(light.azimuth_deg, -160) << "and not only from behind";
  EXPECT_GT(light.elevation_deg, 10) << "from above";
  // A uniform background is ambient light: no direction to speak of.
  const std::vector<float> grey(size_t(w) * h * 3, 0.5f);
  const ShLight flat = environment_to_sh(background_to_environment(grey, w, h));
  EXPECT_NEAR(flat[0] * 0.28209479, 0.5 * kPi, 0.01); // E = pi L everywhere
  for (size_t k = 3; k < 27; ++k)
    EXPECT_NEAR(flat[k], 0, 1e-3) << "coefficient " << k;
  EXPECT_THROW(background_to_environment(rgb, w, h + 1), drig::Error);
}

TEST(EnvironmentLight, MatchingExposureKeepsTheDcLuminanceAndTheDirection) {
  const ShLight fitted = directional_to_sh({-30, 10, 2.0, {1, 0.9, 0.8}, 0.5});
  const ShLight bright = directional_to_sh({50, 20, 7.0, {0.8, 0.9, 1.2}, 1});
  const ShLight matched = match_exposure(bright, fitted);
  EXPECT_NEAR(dc_luminance(matched), dc_luminance(fitted), 1e-5);
  EXPECT_NEAR(dominant_light(matched).azimuth_deg, 50, 1e-3);
  EXPECT_NEAR(matched[2] / matched[0], bright[2] / bright[0], 1e-5) << "its colour kept";
  EXPECT_THROW(match_exposure(ShLight{}, fitted), drig::Error);
  EXPECT_EQ(match_exposure(bright, ShLight{}), bright) << "no exposure to keep";
}
