// The environment's irradiance to 2nd order: its radiance projected onto the
// real SH, L_k = sum over pixels of L * Y_k(d) * solid angle. DECA's band 1-2
// constants hold the cosine lobe's A_l, so those coefficients are L_k
// themselves; band 0's does not hold A_0 = pi, so c_0 = pi L_0 (as
// directional_to_sh, render/light_rig.cpp).
#include "render/environment_light.h"

#include "model/base/angles.h"
#include "model/base/error.h"
#include "render/light_rig.h"

#include <algorithm>
#include <cmath>

namespace drig::render {
ShLight environment_to_sh(const Environment& env, double rotation_deg) {
  DRIG_CHECK(env.width > 0 && env.height > 0, "the panorama is empty");
  DRIG_CHECK(env.rgb.size() == size_t(env.width) * size_t(env.height) * 3,
             "the panorama has {} values, not {} x {} x 3", env.rgb.size(), env.width, env.height);
  std::array<double, 27> sum{};
  const double d_az = 2 * kPi / env.width, d_el = kPi / env.height;
  for (int i = 0; i < env.height; ++i) {
    const double el = 90 - (i + 0.5) * 180.0 / env.height;
    const double solid_angle = std::cos(radians(el)) * d_az * d_el;
    for (int j = 0; j < env.width; ++j) {
      const double az = (j + 0.5) * 360.0 / env.width - 180 + rotation_deg;
      const float* px = &env.rgb[(size_t(i) * size_t(env.width) + size_t(j)) * 3];
      if (px[0] == 0 && px[1] == 0 && px[2] == 0)
        continue;
      const std::array<double, 9> y = real_sh(light_direction(az, el));
      for (size_t k = 0; k < 9; ++k)
        for (size_t c = 0; c < 3; ++c)
          sum[k * 3 + c] += double(px[c]) * y[k] * solid_angle;
    }
  }
  ShLight sh{};
  for (size_t k = 0; k < 27; ++k)
    sh[k] = float(k < 3 ? kPi * sum[k] : sum[k]);
  return sh;
}

Environment background_to_environment(const std::vector<float>& rgb, int width, int height,
                                      const BackgroundPlacement& placement) {
  DRIG_CHECK(width > 0 && height > 0 && rgb.size() == size_t(width) * size_t(height) * 3,
             "the background photo is empty or its size is wrong");
  DRIG_CHECK(placement.hfov_deg > 1 && placement.hfov_deg < 179,
             "the background's field of view must be 1..179 degrees, got {}", placement.hfov_deg);
  DRIG_CHECK(placement.panorama_height >= 8, "the panorama must be at least 8 rows high");
  const double tan_h = std::tan(radians(placement.hfov_deg) / 2);
  const double tan_v = tan_h * double(height) / double(width);
  Environment env;
  env.height = placement.panorama_height;
  env.width = 2 * env.height;
  env.rgb.resize(size_t(env.width) * size_t(env.height) * 3);
  for (int i = 0; i < env.height; ++i) {
    const double el = radians(90 - (i + 0.5) * 180.0 / env.height);
    // Vertical position by elevation, horizontal by the angle off the view
    // axis: well behaved to the sides, where a pinhole projection is not.
    const double v = std::clamp(0.5 - std::tan(el) / (2 * tan_v), 0.0, 1.0);
    const int row = std::clamp(int(v * height), 0, height - 1);
    for (int j = 0; j < env.width; ++j) {
      const double az = radians((j + 0.5) * 360.0 / env.width - 180);
      // Behind the subject (|az| > 90) is the photo itself; in front of it,
      // the photo mirrored: both see the same side at the same x.
      const double x = std::sin(az), z_back = std::abs(std::cos(az));
      const double off_axis = std::atan2(x, z_back);
      const double u =
          std::clamp(0.5 + std::tan(std::clamp(off_axis, -1.5, 1.5)) / (2 * tan_h), 0.0, 1.0);
      const int col = std::clamp(int(u * width), 0, width - 1);
      const float* src = &rgb[(size_t(row) * size_t(width) + size_t(col)) * 3];
      float* dst = &env.rgb[(size_t(i) * size_t(env.width) + size_t(j)) * 3];
      std::copy(src, src + 3, dst);
    }
  }
  return env;
}

double dc_luminance(const ShLight& light) {
  return 0.2126 * light[0] + 0.7152 * light[1] + 0.0722 * light[2];
}

ShLight match_exposure(const ShLight& light, const ShLight& reference) {
  const double have = dc_luminance(light), want = dc_luminance(reference);
  DRIG_CHECK(have > 0, "the new light is black: nothing to match the photo's exposure with");
  if (want <= 0)
    return light; // a fit without a usable exposure (no real DECA fit gives one)
  ShLight out = light;
  for (float& v : out)
    v = float(v * want / have);
  return out;
}

} // namespace drig::render
