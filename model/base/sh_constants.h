#pragma once

#include "model/base/angles.h"

#include <array>
#include <cmath>

namespace drig {

// DECA's spherical-harmonic constants c_0..c_8 (renderer.py:214-219): the
// real SH normalisations of bands 1 and 2 times the Lambertian kernel's
// factors (2pi/3, pi/4). Band 0 carries no pi, so a light's first
// coefficient is the irradiance's DC term divided by c_0, not by pi*c_0.
// Shared by the tensor shading (model/face) and the GL renderer (render/).
inline const std::array<double, 9>& sh_constants() {
  static const std::array<double, 9> constants = [] {
    const double c0 = 1 / std::sqrt(4 * kPi);
    const double c1 = (2 * kPi / 3) * std::sqrt(3 / (4 * kPi));
    const double c2 = (kPi / 4) * 3 * std::sqrt(5 / (12 * kPi));
    const double c3 = (kPi / 4) * (3.0 / 2) * std::sqrt(5 / (12 * kPi));
    const double c4 = (kPi / 4) * (1.0 / 2) * std::sqrt(5 / (4 * kPi));
    return std::array<double, 9>{c0, c1, c1, c1, c2, c2, c2, c3, c4};
  }();
  return constants;
}

} // namespace drig
