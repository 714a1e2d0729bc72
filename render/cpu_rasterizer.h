#pragma once

#include "render/render_types.h"

#include <memory>

namespace drig::render {

// Which triangle each pixel centre sees and where: pytorch3d's rule with
// DECA's settings (blur 0, one face per pixel, no perspective correction, no
// culling). Barycentrics are edge functions over (area + 1e-8), a pixel is
// inside when all three are > 0, the smallest interpolated z wins (the first
// face on ties) and zero-area faces are skipped.
struct Fragments {
  int width = 0, height = 0;
  std::vector<int32_t> face_id; // (H,W), -1 = background
  std::vector<float> bary;      // (H,W,3)
};

Fragments rasterize_cpu(const MeshTopology& topology, const std::vector<float>& positions,
                        int width, int height);

// DECA's SRenderY shading of the fragments: interpolated UVs sample the
// albedo (bilinear, zero outside, align_corners=False), interpolated world
// normals (not re-normalised) give the SH shading, everything masked.
Buffers shade_cpu(const MeshTopology& topology, const MeshPose& pose, const Fragments& fragments,
                  const AlbedoMap& albedo, const ShLight& light);

// Both: the reference the GL renderer is checked against, and the fallback
// when a machine has no OpenGL at all.
Buffers render_cpu(const MeshTopology& topology, const MeshPose& pose, const AlbedoMap& albedo,
                   const ShLight& light, int width, int height);

// The same rule and arithmetic as render_cpu, in horizontal bands on
// several threads (faces stay in order within a band, so ties resolve the
// same way), reusing its scratch memory and the caller's buffers from frame
// to frame: the fast path where OpenGL is a software rasterizer.
class CpuRasterizer {
public:
  explicit CpuRasterizer(int threads = 0); // 0: one band per core
  ~CpuRasterizer();
  CpuRasterizer(const CpuRasterizer&) = delete;
  CpuRasterizer& operator=(const CpuRasterizer&) = delete;

  void render(const MeshTopology& topology, const MeshPose& pose, const AlbedoMap& albedo,
              const ShLight& light, int width, int height, Buffers& out);

private:
  struct State;
  std::unique_ptr<State> state_;
};

// Throws Error for triangle lists that do not match or index out of range;
// both renderers check a topology with it before using it.
void check_topology(const MeshTopology& topology);

// The UV-grid coordinate of a texture coordinate, as DECA's face_uvcoords
// (uv*2-1 with v flipped): where grid_sample looks.
inline void uv_to_grid(float u, float v, float& gx, float& gy) {
  gx = u * 2 - 1;
  gy = -(v * 2 - 1);
}

} // namespace drig::render
