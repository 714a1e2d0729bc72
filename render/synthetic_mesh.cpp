#include "render/synthetic_mesh.h"

#include "model/base/angles.h"
#include "model/base/error.h"

#include <cmath>

namespace drig::render {

SyntheticHead synthetic_head(int rings, int segments, float scale, float yaw_deg) {
  DRIG_CHECK(rings >= 2 && segments >= 3, "synthetic_head: needs rings >= 2 and segments >= 3");
  SyntheticHead h;
  MeshTopology& t = h.topology;
  const float pi = float(kPi), yaw = float(radians(yaw_deg));
  const float radii[3] = {0.75f, 1.0f, 0.85f}; // narrower than tall, like a head
  auto add_vertex = [&](float theta, float phi) {
    // theta from the top (0) to the bottom (pi); phi around, 0 facing the camera.
    const float nx = std::sin(theta) * std::sin(phi), ny = std::cos(theta),
                nz = std::sin(theta) * std::cos(phi);
    const float px = radii[0] * nx, py = radii[1] * ny, pz = radii[2] * nz;
    // Ellipsoid normal: gradient of the implicit function.
    float gx = nx / radii[0], gy = ny / radii[1], gz = nz / radii[2];
    const float len = std::sqrt(gx * gx + gy * gy + gz * gz);
    gx /= len, gy /= len, gz /= len;
    const float c = std::cos(yaw), s = std::sin(yaw);
    const float rx = c * px + s * pz, rz = -s * px + c * pz;
    const float qx = c * gx + s * gz, qz = -s * gx + c * gz;
    // World: y up, z towards the camera. Image NDC: y down, smaller z nearer.
    h.pose.positions.insert(h.pose.positions.end(), {scale * rx, -scale * py, -scale * rz});
    h.pose.normals.insert(h.pose.normals.end(), {qx, gy, qz});
  };
  add_vertex(0, 0); // top pole
  for (int r = 1; r < rings; ++r)
    for (int s = 0; s < segments; ++s)
      add_vertex(pi * float(r) / float(rings), 2 * pi * float(s) / float(segments));
  add_vertex(pi, 0); // bottom pole
  t.num_vertices = int(h.pose.positions.size() / 3);
  const int bottom = t.num_vertices - 1;
  // UVs: a (segments+1) x (rings+1) grid, the last column duplicating the
  // first (the seam).
  for (int r = 0; r <= rings; ++r)
    for (int s = 0; s <= segments; ++s)
      t.uvs.insert(t.uvs.end(), {float(s) / float(segments), 1 - float(r) / float(rings)});
  auto vertex = [&](int r, int s) {
    if (r == 0)
      return 0;
    if (r == rings)
      return bottom;
    return 1 + (r - 1) * segments + (s % segments);
  };
  auto uv = [&](int r, int s) { return r * (segments + 1) + s; };
  auto triangle = [&](int r0, int s0, int r1, int s1, int r2, int s2) {
    t.faces.insert(t.faces.end(), {vertex(r0, s0), vertex(r1, s1), vertex(r2, s2)});
    t.uv_faces.insert(t.uv_faces.end(), {uv(r0, s0), uv(r1, s1), uv(r2, s2)});
  };
  for (int r = 0; r < rings; ++r)
    for (int s = 0; s < segments; ++s) {
      if (r != 0)
        triangle(r, s, r + 1, s, r, s + 1);
      if (r != rings - 1)
        triangle(r + 1, s, r + 1, s + 1, r, s + 1);
    }
  return h;
}

AlbedoMap synthetic_albedo(int size) {
  AlbedoMap a;
  a.size = size;
  const size_t n = size_t(size) * size_t(size);
  a.chw.resize(3 * n);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const float u = (float(x) + 0.5f) / float(size), v = (float(y) + 0.5f) / float(size);
      const size_t i = size_t(y) * size_t(size) + size_t(x);
      a.chw[i] = 0.55f + 0.35f * std::sin(6.2831853f * 3 * u);
      a.chw[n + i] = 0.45f + 0.3f * std::cos(6.2831853f * 2 * v);
      a.chw[2 * n + i] = 0.35f + 0.25f * std::sin(6.2831853f * (u + v) * 4);
    }
  return a;
}

} // namespace drig::render
