#include "render/cpu_rasterizer.h"

#include "model/base/error.h"
#include "render/light_rig.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace drig::render {
namespace {

struct P2 {
  float x, y;
};

float edge(P2 p, P2 a, P2 b) {
  return (p.x - a.x) * (b.y - a.y) - (p.y - a.y) * (b.x - a.x);
}

// Pixel centre in NDC; the same float expression for every pixel.
float pixel_ndc(int i, int size) {
  return float(2 * i + 1) / float(size) - 1.0f;
}

void check_mesh(const MeshTopology& t, const std::vector<float>& positions) {
  DRIG_CHECK(t.num_vertices > 0 && positions.size() == size_t(t.num_vertices) * 3,
             "render: {} position values for a mesh of {} vertices", positions.size(),
             t.num_vertices);
  check_topology(t);
}

// torch.grid_sample, bilinear, zeros padding, align_corners=False.
void sample_bilinear(const AlbedoMap& map, float gx, float gy, float out[3]) {
  const int s = map.size;
  const float ix = ((gx + 1) * float(s) - 1) / 2;
  const float iy = ((gy + 1) * float(s) - 1) / 2;
  const int x0 = int(std::floor(ix)), y0 = int(std::floor(iy));
  const float tx = ix - float(x0), ty = iy - float(y0);
  const float w[4] = {(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty};
  const int xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  for (int c = 0; c < 3; ++c) {
    float v = 0;
    for (int k = 0; k < 4; ++k)
      if (xs[k] >= 0 && xs[k] < s && ys[k] >= 0 && ys[k] < s)
        v += w[k] * map.chw[(size_t(c) * size_t(s) + size_t(ys[k])) * size_t(s) + size_t(xs[k])];
    out[c] = v;
  }
}

} // namespace

void check_topology(const MeshTopology& t) {
  DRIG_CHECK(t.faces.size() % 3 == 0 && t.uv_faces.size() == t.faces.size(),
             "render: {} face and {} UV-face indices do not make matching triangles",
             t.faces.size(), t.uv_faces.size());
  const int32_t num_uvs = int32_t(t.uvs.size() / 2);
  for (size_t i = 0; i < t.faces.size(); ++i)
    DRIG_CHECK(t.faces[i] >= 0 && t.faces[i] < t.num_vertices && t.uv_faces[i] >= 0 &&
                   t.uv_faces[i] < num_uvs,
               "render: triangle {} has an index out of range", i / 3);
}

Fragments rasterize_cpu(const MeshTopology& t, const std::vector<float>& positions, int width,
                        int height) {
  check_mesh(t, positions);
  DRIG_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384,
             "render: invalid size {}x{}", width, height);
  Fragments f;
  f.width = width;
  f.height = height;
  const size_t n = size_t(width) * size_t(height);
  f.face_id.assign(n, -1);
  f.bary.assign(n * 3, 0.0f);
  std::vector<float> zbuf(n, std::numeric_limits<float>::infinity());
  constexpr float kEps = 1e-8f;
  for (int face = 0; face < t.num_faces(); ++face) {
    P2 v[3];
    float z[3];
    for (int k = 0; k < 3; ++k) {
      const float* p = &positions[size_t(t.faces[size_t(face) * 3 + size_t(k)]) * 3];
      v[k] = {p[0], p[1]};
      z[k] = p[2];
    }
    const float area = edge(v[2], v[0], v[1]);
    if (std::abs(area) <= kEps)
      continue;
    const float min_x = std::min({v[0].x, v[1].x, v[2].x}),
                max_x = std::max({v[0].x, v[1].x, v[2].x});
    const float min_y = std::min({v[0].y, v[1].y, v[2].y}),
                max_y = std::max({v[0].y, v[1].y, v[2].y});
    // Pixel range whose centres can fall inside the box (one pixel of slack).
    const int j0 = std::max(0, int(std::floor((min_x + 1) * float(width) / 2)) - 1);
    const int j1 = std::min(width - 1, int(std::ceil((max_x + 1) * float(width) / 2)) + 1);
    const int i0 = std::max(0, int(std::floor((min_y + 1) * float(height) / 2)) - 1);
    const int i1 = std::min(height - 1, int(std::ceil((max_y + 1) * float(height) / 2)) + 1);
    for (int i = i0; i <= i1; ++i) {
      const float py = pixel_ndc(i, height);
      for (int j = j0; j <= j1; ++j) {
        const P2 p{pixel_ndc(j, width), py};
        const float w0 = edge(p, v[1], v[2]) / (area + kEps);
        const float w1 = edge(p, v[2], v[0]) / (area + kEps);
        const float w2 = edge(p, v[0], v[1]) / (area + kEps);
        if (!(w0 > 0 && w1 > 0 && w2 > 0))
          continue;
        const float pz = w0 * z[0] + w1 * z[1] + w2 * z[2];
        const size_t idx = size_t(i) * size_t(width) + size_t(j);
        if (pz < zbuf[idx]) {
          zbuf[idx] = pz;
          f.face_id[idx] = face;
          f.bary[idx * 3] = w0;
          f.bary[idx * 3 + 1] = w1;
          f.bary[idx * 3 + 2] = w2;
        }
      }
    }
  }
  return f;
}

Buffers shade_cpu(const MeshTopology& t, const MeshPose& pose, const Fragments& f,
                  const AlbedoMap& albedo, const ShLight& light) {
  check_mesh(t, pose.positions);
  DRIG_CHECK(pose.normals.size() == pose.positions.size(),
             "render: {} normal values for {} vertices", pose.normals.size(), t.num_vertices);
  DRIG_CHECK(albedo.size > 0 &&
                 albedo.chw.size() == size_t(3) * size_t(albedo.size) * size_t(albedo.size),
             "render: the albedo map must be 3x{0}x{0}", albedo.size);
  Buffers b;
  b.width = f.width;
  b.height = f.height;
  const size_t n = size_t(f.width) * size_t(f.height);
  b.rendered.assign(3 * n, 0.0f);
  b.normal.assign(3 * n, 0.0f);
  b.albedo.assign(3 * n, 0.0f);
  b.alpha.assign(n, 0.0f);
  b.face_id = f.face_id;
  for (size_t idx = 0; idx < n; ++idx) {
    const int32_t face = f.face_id[idx];
    if (face < 0)
      continue;
    const float* w = &f.bary[idx * 3];
    float nrm[3] = {0, 0, 0}, grid[2] = {0, 0};
    for (int k = 0; k < 3; ++k) {
      const size_t vi = size_t(t.faces[size_t(face) * 3 + size_t(k)]);
      const size_t ti = size_t(t.uv_faces[size_t(face) * 3 + size_t(k)]);
      float gx, gy;
      uv_to_grid(t.uvs[ti * 2], t.uvs[ti * 2 + 1], gx, gy);
      grid[0] += w[k] * gx;
      grid[1] += w[k] * gy;
      for (int c = 0; c < 3; ++c)
        nrm[c] += w[k] * pose.normals[vi * 3 + size_t(c)];
    }
    float alb[3];
    sample_bilinear(albedo, grid[0], grid[1], alb);
    const std::array<float, 3> shading = sh_shade(light, nrm[0], nrm[1], nrm[2]);
    b.alpha[idx] = 1;
    for (size_t c = 0; c < 3; ++c) {
      b.normal[c * n + idx] = nrm[c];
      b.albedo[c * n + idx] = alb[c];
      b.rendered[c * n + idx] = alb[c] * shading[c];
    }
  }
  return b;
}

Buffers render_cpu(const MeshTopology& topology, const MeshPose& pose, const AlbedoMap& albedo,
                   const ShLight& light, int width, int height) {
  return shade_cpu(topology, pose, rasterize_cpu(topology, pose.positions, width, height), albedo,
                   light);
}

} // namespace drig::render
