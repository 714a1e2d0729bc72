// Directional light <-> DECA SH. With the addition theorem the irradiance of
// a distant light of intensity I from d is, to 2nd order,
// E(n) = I * sum_l A_l (2l+1)/(4pi) P_l(n.d), A = (pi, 2pi/3, pi/4); DECA's
// constants already hold A_l for bands 1-2 but not A_0 (see sh_constants).
#include "render/light_rig.h"

#include "model/base/angles.h"
#include "model/base/sh_constants.h"

#include <algorithm>
#include <cmath>

namespace drig::render {
std::array<double, 9> real_sh(const std::array<double, 3>& d) {
  const double x = d[0], y = d[1], z = d[2];
  const double b0 = 1 / std::sqrt(4 * kPi), b1 = std::sqrt(3 / (4 * kPi)),
               b2 = std::sqrt(15 / (4 * kPi));
  return {b0,
          b1 * x,
          b1 * y,
          b1 * z,
          b2 * x * y,
          b2 * x * z,
          b2 * y * z,
          0.25 * std::sqrt(15 / kPi) * (x * x - y * y),
          0.25 * std::sqrt(5 / kPi) * (3 * z * z - 1)};
}

std::array<double, 3> light_direction(double azimuth_deg, double elevation_deg) {
  const double az = radians(azimuth_deg), el = radians(elevation_deg);
  return {std::sin(az) * std::cos(el), std::sin(el), std::cos(az) * std::cos(el)};
}

ShLight directional_to_sh(const DirectionalLight& light) {
  const std::array<double, 9> y = real_sh(light_direction(light.azimuth_deg, light.elevation_deg));
  const double c0 = sh_constants()[0];
  ShLight sh{};
  for (int c = 0; c < 3; ++c) {
    const double scale = light.colour[size_t(c)];
    // Band 0: DECA has no A_0 = pi in c_0, so the coefficient carries it.
    sh[size_t(c)] = float(scale * (kPi * light.intensity * y[0] + light.ambient / c0));
    for (size_t k = 1; k < 9; ++k)
      sh[k * 3 + size_t(c)] = float(scale * light.intensity * y[k]);
  }
  return sh;
}

std::array<float, 3> sh_shade(const ShLight& light, float nx, float ny, float nz) {
  const auto& c = sh_constants();
  // The original multiplies float32 basis values by float32 constants.
  const float basis[9] = {
      1.0f, nx, ny, nz, nx * ny, nx * nz, ny * nz, nx * nx - ny * ny, 3 * (nz * nz) - 1};
  std::array<float, 3> out{};
  for (int ch = 0; ch < 3; ++ch) {
    float sum = 0;
    for (size_t k = 0; k < 9; ++k)
      sum += light[k * 3 + size_t(ch)] * (basis[k] * float(c[k]));
    out[size_t(ch)] = sum;
  }
  return out;
}

DirectionalLight dominant_light(const ShLight& sh) {
  const double b1 = std::sqrt(3 / (4 * kPi));
  DirectionalLight out;
  std::array<double, 3> v{0, 0, 0}, magnitude{};
  for (size_t c = 0; c < 3; ++c) {
    const double x = sh[3 + c], y = sh[6 + c], z = sh[9 + c];
    magnitude[c] = std::sqrt(x * x + y * y + z * z);
    v[0] += x;
    v[1] += y;
    v[2] += z;
  }
  const double norm = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  const double peak = *std::max_element(magnitude.begin(), magnitude.end());
  if (norm > 0) {
    out.elevation_deg = degrees(std::asin(std::clamp(v[1] / norm, -1.0, 1.0)));
    out.azimuth_deg = degrees(std::atan2(v[0], v[2]));
  }
  out.intensity = peak / b1;
  double ambient = 0;
  int channels = 0;
  for (size_t c = 0; c < 3; ++c) {
    out.colour[c] = peak > 0 ? magnitude[c] / peak : 1;
    if (out.colour[c] < 1e-6)
      continue;
    // DC irradiance minus the light's own DC share (I/4), per unit colour.
    ambient += (sh[c] * sh_constants()[0] - out.intensity * out.colour[c] / 4) / out.colour[c];
    ++channels;
  }
  out.ambient = channels > 0 ? std::max(0.0, ambient / channels) : 0.0;
  return out;
}

} // namespace drig::render
