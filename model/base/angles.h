#pragma once

namespace drig {

// Users, the original's configs and the sliders speak degrees; the maths
// (Eigen, SH, FLAME) wants radians. One definition instead of a copy per file.
inline constexpr double kPi = 3.14159265358979323846;

constexpr double radians(double deg) {
  return deg * kPi / 180;
}

constexpr double degrees(double rad) {
  return rad * 180 / kPi;
}

} // namespace drig
