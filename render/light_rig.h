#pragma once

#include "render/render_types.h"

#include <array>

namespace drig::render {

// A light a photographer can reason about, turned into DECA's 27 SH numbers:
// a distant light from (azimuth, elevation) with an intensity and colour,
// plus a uniform ambient term. Azimuth 0 = from the camera, +90 = from the
// image's right; elevation +90 = from above (FLAME's world frame: x right,
// y up, z towards the camera).
struct DirectionalLight {
  double azimuth_deg = 0, elevation_deg = 0;
  double intensity = 1;                  // irradiance on a surface facing the light
  std::array<double, 3> colour{1, 1, 1}; // multiplies both terms, buffer channel order
  double ambient = 0;                    // irradiance added everywhere
};

// Real SH Y_k(d) of a unit vector in DECA's order
// [1, x, y, z, xy, xz, yz, x2-y2, 3z2-1], orthonormal on the sphere.
std::array<double, 9> real_sh(const std::array<double, 3>& d);

// Unit vector towards the light.
std::array<double, 3> light_direction(double azimuth_deg, double elevation_deg);

// The order-2 SH projection of the light's irradiance in DECA's basis, so
// that DECA's shading gives E(n) ~ intensity * max(0, n.d) + ambient (per
// channel times colour). The projection is exact for the ambient term and
// the usual 2nd-order approximation of the clamped cosine for the light.
ShLight directional_to_sh(const DirectionalLight& light);

// DECA's shading of one normal (not re-normalised, as the original).
std::array<float, 3> sh_shade(const ShLight& light, float nx, float ny, float nz);

// The light's DC irradiance and its dominant direction (the band-1 vector),
// used to start the Studio's sliders from a fitted light. Exact inverse of
// directional_to_sh for a white light with ambient 0 only in direction and
// intensity; the rest of a fitted light (colour, band 2) is kept aside.
DirectionalLight dominant_light(const ShLight& light);

} // namespace drig::render
