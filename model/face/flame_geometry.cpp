// Vertex normals and DECA's orthographic camera (README section 6).
#include "model/face/flame.h"

#include "model/base/error.h"

#include <torch/torch.h>

namespace drig::face {
namespace {

// DECA flips y (and z) so that +y points down the image, as pixels do.
at::Tensor flip_yz(const at::Tensor& points) {
  return at::cat({points.narrow(2, 0, 1), -points.narrow(2, 1, points.size(2) - 1)}, 2);
}

} // namespace

at::Tensor vertex_normals(const at::Tensor& vertices, const at::Tensor& faces) {
  DRIG_CHECK(vertices.defined() && vertices.dim() == 3 && vertices.size(2) == 3,
             "vertex_normals: vertices must be (B,V,3), got {}",
             vertices.defined() ? c10::str(vertices.sizes()) : std::string("no tensor"));
  const int64_t b = vertices.size(0), v = vertices.size(1);
  DRIG_CHECK(faces.defined() && faces.size(-1) == 3 &&
                 (faces.dim() == 2 || (faces.dim() == 3 && faces.size(0) == b)),
             "vertex_normals: faces must be (F,3) or (B,F,3), got {}",
             faces.defined() ? c10::str(faces.sizes()) : std::string("no tensor"));
  const int64_t f = faces.size(-2);
  const at::Tensor offset =
      at::arange(b, faces.options().dtype(at::kLong).device(vertices.device()))
          .mul(v)
          .view({b, 1, 1});
  const at::Tensor idx =
      (faces.to(vertices.device(), at::kLong).expand({b, f, 3}) + offset).reshape({-1, 3});
  const at::Tensor corners =
      vertices.reshape({-1, 3}).index_select(0, idx.reshape({-1})).view({-1, 3, 3});
  const at::Tensor p0 = corners.select(1, 0), p1 = corners.select(1, 1), p2 = corners.select(1, 2);
  // Each corner gets the face's cross product taken at that corner (area-weighted),
  // accumulated in DECA's order so float sums round the same way.
  at::Tensor normals = at::zeros({b * v, 3}, vertices.options());
  normals.index_add_(0, idx.select(1, 1), at::linalg_cross(p2 - p1, p0 - p1, -1));
  normals.index_add_(0, idx.select(1, 2), at::linalg_cross(p0 - p2, p1 - p2, -1));
  normals.index_add_(0, idx.select(1, 0), at::linalg_cross(p1 - p0, p2 - p0, -1));
  const at::Tensor length = at::linalg_vector_norm(normals, 2, {1}, /*keepdim=*/true);
  return (normals / length.clamp_min(1e-6)).view({b, v, 3});
}

at::Tensor batch_orth_proj(const at::Tensor& points, const at::Tensor& cam) {
  DRIG_CHECK(points.defined() && points.dim() == 3 && points.size(2) == 3,
             "batch_orth_proj: points must be (B,N,3), got {}",
             points.defined() ? c10::str(points.sizes()) : std::string("no tensor"));
  DRIG_CHECK(cam.defined() && cam.dim() == 2 && cam.size(1) == 3 && cam.size(0) == points.size(0),
             "batch_orth_proj: cam must be (B,3) = [scale, tx, ty] with B = {}, got {}",
             points.size(0), cam.defined() ? c10::str(cam.sizes()) : std::string("no tensor"));
  const at::Tensor c = cam.to(points.device(), points.scalar_type()).view({-1, 1, 3});
  const at::Tensor shifted =
      at::cat({points.narrow(2, 0, 2) + c.narrow(2, 1, 2), points.narrow(2, 2, 1)}, 2);
  return c.narrow(2, 0, 1) * shifted;
}

Projection project(const FlameOutput& flame, const at::Tensor& cam) {
  Projection out;
  out.landmarks2d = flip_yz(batch_orth_proj(flame.landmarks2d, cam).narrow(2, 0, 2));
  out.landmarks3d = flip_yz(batch_orth_proj(flame.landmarks3d, cam));
  out.trans_verts = flip_yz(batch_orth_proj(flame.vertices, cam));
  return out;
}

} // namespace drig::face
