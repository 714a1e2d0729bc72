#pragma once

#include "render/render_types.h"

namespace drig::render {

// An ellipsoid "head" with a UV seam (more UVs than vertices, as FLAME's
// template), for benchmarks and tests: rings x segments quads plus poles.
// rings=70, segments=72 gives ~5000 vertices and ~10000 triangles, FLAME's
// size.
struct SyntheticHead {
  MeshTopology topology;
  MeshPose pose;
};

// Faces the camera (normals out, z smaller = nearer), centred in the image at
// `scale` of its half-width, turned by `yaw_deg` about the vertical axis.
SyntheticHead synthetic_head(int rings, int segments, float scale = 0.7f, float yaw_deg = 0);

// A smooth colourful albedo map (3,size,size) in [0,1].
AlbedoMap synthetic_albedo(int size);

} // namespace drig::render
