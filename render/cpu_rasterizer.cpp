#include "render/cpu_rasterizer.h"

#include "model/base/error.h"
#include "model/base/sh_constants.h"
#include "model/base/thread_pool.h"
#include "render/light_rig.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <limits>

namespace drig::render {
namespace {

constexpr float kEps = 1e-8f;

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

void check_size(int width, int height) {
  DRIG_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384,
             "render: invalid size {}x{}", width, height);
}

// What every band needs of a triangle, computed once per frame.
struct FaceSetup {
  P2 v[3];
  float z[3];
  float denominator;  // area + 1e-8, as the original divides by it
  int j0, j1, i0, i1; // pixels whose centres lie strictly inside the box
  bool skip;          // zero area, or no pixel centre inside the box
};

// Pixel centres along one axis, and the index range strictly inside (lo, hi).
struct Centres {
  std::vector<float> at;
  explicit Centres(int size) : at(size_t(size)) {
    for (int i = 0; i < size; ++i)
      at[size_t(i)] = pixel_ndc(i, size);
  }
  // First index with centre > lo and last with centre < hi; first > last when none.
  void inside(float lo, float hi, int& first, int& last) const {
    const int n = int(at.size());
    const float scale = float(n) / 2;
    first = std::clamp(int(std::floor((lo + 1) * scale - 0.5f)), 0, n - 1);
    while (first > 0 && at[size_t(first - 1)] > lo)
      --first;
    while (first < n && at[size_t(first)] <= lo)
      ++first;
    last = std::clamp(int(std::ceil((hi + 1) * scale - 0.5f)), 0, n - 1);
    while (last < n - 1 && at[size_t(last + 1)] < hi)
      ++last;
    while (last >= 0 && at[size_t(last)] >= hi)
      --last;
  }
};

std::vector<FaceSetup> setup_faces(const MeshTopology& t, const std::vector<float>& positions,
                                   const Centres& xs, const Centres& ys) {
  std::vector<FaceSetup> faces(size_t(t.num_faces()));
  for (size_t f = 0; f < faces.size(); ++f) {
    FaceSetup& s = faces[f];
    for (size_t k = 0; k < 3; ++k) {
      const float* p = &positions[size_t(t.faces[f * 3 + k]) * 3];
      s.v[k] = {p[0], p[1]};
      s.z[k] = p[2];
    }
    const float area = edge(s.v[2], s.v[0], s.v[1]);
    s.skip = std::abs(area) <= kEps;
    s.denominator = area + kEps;
    const float min_x = std::min({s.v[0].x, s.v[1].x, s.v[2].x});
    const float max_x = std::max({s.v[0].x, s.v[1].x, s.v[2].x});
    const float min_y = std::min({s.v[0].y, s.v[1].y, s.v[2].y});
    const float max_y = std::max({s.v[0].y, s.v[1].y, s.v[2].y});
    if (!std::isfinite(min_x + max_x + min_y + max_y)) {
      s.skip = true;
      continue;
    }
    // A centre on the box's border has an edge function of 0 for some edge:
    // never inside under the strict rule.
    xs.inside(min_x, max_x, s.j0, s.j1);
    ys.inside(min_y, max_y, s.i0, s.i1);
    s.skip = s.skip || s.j0 > s.j1 || s.i0 > s.i1;
  }
  return faces;
}

// Rows [row0, row1): faces in order, so ties go to the first face as in the
// original whatever the banding.
void rasterize_rows(const std::vector<FaceSetup>& faces, const Centres& xs, const Centres& ys,
                    int row0, int row1, int32_t* face_id, float* bary, float* zbuf) {
  const int width = int(xs.at.size());
  for (int i = row0; i < row1; ++i)
    for (int j = 0; j < width; ++j) {
      const size_t idx = size_t(i) * size_t(width) + size_t(j);
      face_id[idx] = -1;
      zbuf[idx] = std::numeric_limits<float>::infinity();
      bary[idx * 3] = bary[idx * 3 + 1] = bary[idx * 3 + 2] = 0;
    }
  for (size_t f = 0; f < faces.size(); ++f) {
    const FaceSetup& s = faces[f];
    if (s.skip || s.i1 < row0 || s.i0 >= row1)
      continue;
    const bool positive = s.denominator > 0;
    for (int i = std::max(s.i0, row0); i <= std::min(s.i1, row1 - 1); ++i) {
      const float py = ys.at[size_t(i)];
      for (int j = s.j0; j <= s.j1; ++j) {
        const P2 p{xs.at[size_t(j)], py};
        const float e0 = edge(p, s.v[1], s.v[2]);
        const float e1 = edge(p, s.v[2], s.v[0]);
        const float e2 = edge(p, s.v[0], s.v[1]);
        // w = e / (area + eps) > 0 for all three: decided on the signs, the
        // divisions only for the pixels inside.
        if (positive ? !(e0 > 0 && e1 > 0 && e2 > 0) : !(e0 < 0 && e1 < 0 && e2 < 0))
          continue;
        const float w0 = e0 / s.denominator, w1 = e1 / s.denominator, w2 = e2 / s.denominator;
        if (!(w0 > 0 && w1 > 0 && w2 > 0))
          continue; // an underflowed quotient is outside, as in the original
        const float pz = w0 * s.z[0] + w1 * s.z[1] + w2 * s.z[2];
        const size_t idx = size_t(i) * size_t(width) + size_t(j);
        if (pz < zbuf[idx]) {
          zbuf[idx] = pz;
          face_id[idx] = int32_t(f);
          bary[idx * 3] = w0;
          bary[idx * 3 + 1] = w1;
          bary[idx * 3 + 2] = w2;
        }
      }
    }
  }
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

void check_shading_inputs(const MeshTopology& t, const MeshPose& pose, const AlbedoMap& albedo) {
  check_mesh(t, pose.positions);
  DRIG_CHECK(pose.normals.size() == pose.positions.size(),
             "render: {} normal values for {} vertices", pose.normals.size(), t.num_vertices);
  DRIG_CHECK(albedo.size > 0 &&
                 albedo.chw.size() == size_t(3) * size_t(albedo.size) * size_t(albedo.size),
             "render: the albedo map must be 3x{0}x{0}", albedo.size);
}

void resize_buffers(Buffers& b, int width, int height) {
  b.width = width;
  b.height = height;
  const size_t n = size_t(width) * size_t(height);
  b.rendered.resize(3 * n);
  b.normal.resize(3 * n);
  b.albedo.resize(3 * n);
  b.alpha.resize(n);
  b.face_id.resize(n);
}

// Pixels [p0, p1) of the buffers from their fragments (face_id, bary).
void shade_pixels(const MeshTopology& t, const MeshPose& pose, const AlbedoMap& albedo,
                  const ShLight& light, const int32_t* face_id, const float* bary, size_t p0,
                  size_t p1, Buffers& b) {
  const size_t n = size_t(b.width) * size_t(b.height);
  float constants[9];
  for (size_t k = 0; k < 9; ++k)
    constants[k] = float(sh_constants()[k]);
  for (size_t idx = p0; idx < p1; ++idx) {
    const int32_t face = face_id[idx];
    b.face_id[idx] = face;
    if (face < 0) {
      b.alpha[idx] = 0;
      for (size_t c = 0; c < 3; ++c)
        b.normal[c * n + idx] = b.albedo[c * n + idx] = b.rendered[c * n + idx] = 0;
      continue;
    }
    const float* w = &bary[idx * 3];
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
    const float nx = nrm[0], ny = nrm[1], nz = nrm[2];
    // sh_shade's arithmetic, with the float constants hoisted.
    const float basis[9] = {
        1.0f, nx, ny, nz, nx * ny, nx * nz, ny * nz, nx * nx - ny * ny, 3 * (nz * nz) - 1};
    float shading[3];
    for (size_t ch = 0; ch < 3; ++ch) {
      float sum = 0;
      for (size_t k = 0; k < 9; ++k)
        sum += light[k * 3 + ch] * (basis[k] * constants[k]);
      shading[ch] = sum;
    }
    b.alpha[idx] = 1;
    for (size_t c = 0; c < 3; ++c) {
      b.normal[c * n + idx] = nrm[c];
      b.albedo[c * n + idx] = alb[c];
      b.rendered[c * n + idx] = alb[c] * shading[c];
    }
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
  check_size(width, height);
  Fragments f;
  f.width = width;
  f.height = height;
  const size_t n = size_t(width) * size_t(height);
  f.face_id.resize(n);
  f.bary.resize(n * 3);
  std::vector<float> zbuf(n);
  const Centres xs(width), ys(height);
  rasterize_rows(setup_faces(t, positions, xs, ys), xs, ys, 0, height, f.face_id.data(),
                 f.bary.data(), zbuf.data());
  return f;
}

Buffers shade_cpu(const MeshTopology& t, const MeshPose& pose, const Fragments& f,
                  const AlbedoMap& albedo, const ShLight& light) {
  check_shading_inputs(t, pose, albedo);
  Buffers b;
  resize_buffers(b, f.width, f.height);
  shade_pixels(t, pose, albedo, light, f.face_id.data(), f.bary.data(), 0, f.face_id.size(), b);
  return b;
}

Buffers render_cpu(const MeshTopology& topology, const MeshPose& pose, const AlbedoMap& albedo,
                   const ShLight& light, int width, int height) {
  return shade_cpu(topology, pose, rasterize_cpu(topology, pose.positions, width, height), albedo,
                   light);
}

struct CpuRasterizer::State {
  std::unique_ptr<ThreadPool> pool; // bands beyond the first
  int bands = 1;
  std::vector<int32_t> face_id;
  std::vector<float> bary, zbuf;
  std::unique_ptr<Centres> xs, ys;
};

CpuRasterizer::CpuRasterizer(int threads) : state_(std::make_unique<State>()) {
  state_->bands = std::max(1, threads > 0 ? threads : default_thread_count());
  if (state_->bands > 1)
    state_->pool = std::make_unique<ThreadPool>(state_->bands - 1);
}

CpuRasterizer::~CpuRasterizer() = default;

void CpuRasterizer::render(const MeshTopology& t, const MeshPose& pose, const AlbedoMap& albedo,
                           const ShLight& light, int width, int height, Buffers& out) {
  check_shading_inputs(t, pose, albedo);
  check_size(width, height);
  State& s = *state_;
  const size_t n = size_t(width) * size_t(height);
  s.face_id.resize(n);
  s.bary.resize(n * 3);
  s.zbuf.resize(n);
  resize_buffers(out, width, height);
  if (!s.xs || s.xs->at.size() != size_t(width))
    s.xs = std::make_unique<Centres>(width);
  if (!s.ys || s.ys->at.size() != size_t(height))
    s.ys = std::make_unique<Centres>(height);
  const std::vector<FaceSetup> faces = setup_faces(t, pose.positions, *s.xs, *s.ys);
  const int bands = std::min(s.bands, height);
  const auto band = [&](int k) {
    const int row0 = height * k / bands, row1 = height * (k + 1) / bands;
    rasterize_rows(faces, *s.xs, *s.ys, row0, row1, s.face_id.data(), s.bary.data(), s.zbuf.data());
    shade_pixels(t, pose, albedo, light, s.face_id.data(), s.bary.data(),
                 size_t(row0) * size_t(width), size_t(row1) * size_t(width), out);
  };
  std::vector<std::future<void>> pending;
  for (int k = 1; k < bands; ++k)
    pending.push_back(s.pool->submit([&band, k] { band(k); }));
  band(0);
  for (auto& p : pending)
    p.get();
}

} // namespace drig::render
