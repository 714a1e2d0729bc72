#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace drig::render {

// What stays fixed while the user drags sliders: the template's triangles
// and UV layout (head_template.obj).
struct MeshTopology {
  int num_vertices = 0;
  std::vector<float> uvs;        // (T,2) u right, v up, as the .obj stores them
  std::vector<int32_t> faces;    // (F,3) into the vertices
  std::vector<int32_t> uv_faces; // (F,3) into uvs
  int num_faces() const { return static_cast<int>(faces.size() / 3); }
};

// What changes per edit. Positions are in the output image's NDC as DECA's
// render_orig path makes them: x right, y DOWN, both -1..1 across the whole
// image (pixel column j has its centre at x = (2j+1)/W - 1), z smaller =
// nearer. Normals are world-space vertex normals (DECA's convention).
struct MeshPose {
  std::vector<float> positions; // (V,3)
  std::vector<float> normals;   // (V,3)
};

// The albedo UV map (3,S,S) as FLAMETex makes it: values 0..1, row 0 at the
// top (v = 1), channels in the buffers' order.
struct AlbedoMap {
  int size = 0;
  std::vector<float> chw;
};

// 9x3 SH light, light[k*3 + c] as DECA's (B,9,3) code stores it.
using ShLight = std::array<float, 27>;

// The three physical buffers in DiffusionRig's encoding, CHW float32:
// rendered = albedo * SH shading, normal in [-1,1], albedo in [0,1], all 0
// outside the face; alpha is the coverage mask, face_id the triangle seen
// (-1 = background).
struct Buffers {
  int width = 0, height = 0;
  std::vector<float> rendered, normal, albedo; // (3,H,W) each
  std::vector<float> alpha;                    // (H,W)
  std::vector<int32_t> face_id;                // (H,W)
};

} // namespace drig::render
