#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>

namespace drig::face {

// A triangle mesh with a UV layout, as head_template.obj stores it (Blender
// export: v, vt, f a/ta b/tb c/tc, 1-based; no normals).
struct ObjMesh {
  at::Tensor vertices; // (V,3) float32
  at::Tensor uvs;      // (T,2) float32
  at::Tensor faces;    // (F,3) int64, 0-based into vertices
  at::Tensor uv_faces; // (F,3) int64, 0-based into uvs
};

// Throws drig::Error naming the file and line for anything malformed (a
// non-triangle, an index out of range, a face without UV indices...).
ObjMesh load_obj(const std::filesystem::path& path);

// Writes `vertices` (V,3) with the template's UVs and faces: a fitted mesh
// any 3D viewer opens. Atomic.
void save_obj(const std::filesystem::path& path, const at::Tensor& vertices,
              const ObjMesh& topology);

} // namespace drig::face
