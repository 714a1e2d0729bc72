#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <vector>

namespace drig::face {

// FLAME 2020 as DECA uses it (facts: ../shared/reference/deca/README.md
// sections 2, 5, 6). All tensors float32 (indices int64) on one device.
struct FlameAssets {
  at::Tensor v_template;  // (V,3)
  at::Tensor shapedirs;   // (V,3,n_shape+n_exp): shape comps [0,n_shape) then 300.. expression
  at::Tensor posedirs;    // (36, V*3)
  at::Tensor j_regressor; // (J,V) dense
  at::Tensor lbs_weights; // (V,J)
  std::vector<int64_t> parents;     // parents[0] = -1
  at::Tensor faces;                 // (F,3) int64
  at::Tensor static_lmk_faces_idx;  // (51,) int64
  at::Tensor static_lmk_bary;       // (51,3)
  at::Tensor dynamic_lmk_faces_idx; // (79,17) int64
  at::Tensor dynamic_lmk_bary;      // (79,17,3)
  at::Tensor full_lmk_faces_idx;    // (68,) int64
  at::Tensor full_lmk_bary;         // (68,3)
  int n_shape = 100;
  int n_exp = 50;
};

// Reads the user's generic_model.pkl (FLAME 2020) and landmark_embedding.npy.
// Every missing key or wrong shape is a drig::Error naming the file and what
// was expected; nothing here crashes on a wrong file.
FlameAssets load_flame_assets(const std::filesystem::path& generic_model_pkl,
                              const std::filesystem::path& landmark_embedding_npy,
                              int n_shape = 100, int n_exp = 50);

struct FlameOutput {
  at::Tensor vertices;     // (B,V,3) world
  at::Tensor landmarks2d;  // (B,68,3) world: 17 dynamic contour + 51 static
  at::Tensor landmarks3d;  // (B,68,3) world: full_lmk
  at::Tensor joints;       // (B,J,3) posed joints
  at::Tensor dynamic_rows; // (B,) int64: the dynamic-contour table row used
};

class Flame {
public:
  Flame(FlameAssets assets, c10::Device device);
  // shape (B,n_shape), exp (B,n_exp), pose (B,6) = [global axis-angle | jaw axis-angle].
  FlameOutput forward(const at::Tensor& shape, const at::Tensor& exp, const at::Tensor& pose) const;
  const FlameAssets& assets() const { return assets_; }
  c10::Device device() const { return device_; }

private:
  FlameAssets assets_;
  c10::Device device_;
};

// DECA's util.vertex_normals: (B,V,3) from vertices (B,V,3) and faces (F,3).
at::Tensor vertex_normals(const at::Tensor& vertices, const at::Tensor& faces);

// DECA's orthographic camera with its flips (deca.py:174-176):
struct Projection {
  at::Tensor landmarks2d; // (B,68,2)
  at::Tensor landmarks3d; // (B,68,3)
  at::Tensor trans_verts; // (B,V,3)
};
// cam (B,3) = [scale, tx, ty].
Projection project(const FlameOutput& flame, const at::Tensor& cam);
// util.batch_orth_proj alone: (B,N,3) -> (B,N,3) (no flips).
at::Tensor batch_orth_proj(const at::Tensor& points, const at::Tensor& cam);

} // namespace drig::face
