#include "model/face/render_geometry.h"

#include "model/base/error.h"

#include <ATen/ATen.h>

namespace drig::face {

at::Tensor crop_to_image_ndc(const at::Tensor& points, const at::Tensor& crop_tform,
                             int64_t crop_size, int64_t image_height, int64_t image_width) {
  DRIG_CHECK(points.dim() == 3 && points.size(2) >= 2,
             "crop_to_image_ndc: points must be (B,N,2|3)");
  DRIG_CHECK(crop_tform.dim() == 3 && crop_tform.size(0) == points.size(0) &&
                 crop_tform.size(1) == 3 && crop_tform.size(2) == 3,
             "crop_to_image_ndc: crop_tform must be (B,3,3) with B = {}", points.size(0));
  const at::Tensor p = points.to(at::kFloat);
  const at::Tensor inv_t =
      at::inverse(crop_tform.to(p.device(), at::kFloat)).transpose(1, 2); // (B,3,3)
  // Crop NDC -> crop pixels (the original uses the crop's first size for both axes).
  const at::Tensor xy = (p.narrow(2, 0, 2) * 0.5 + 0.5) * double(crop_size);
  const at::Tensor homogeneous = at::cat({xy, at::ones_like(xy.narrow(2, 0, 1))}, 2);
  const at::Tensor image = at::bmm(homogeneous, inv_t); // original pixels
  const at::Tensor x = image.select(2, 0) / double(image_width) * 2 - 1;
  const at::Tensor y = image.select(2, 1) / double(image_height) * 2 - 1;
  std::vector<at::Tensor> parts{x.unsqueeze(2), y.unsqueeze(2)};
  if (p.size(2) > 2)
    parts.push_back(p.narrow(2, 2, p.size(2) - 2));
  return at::cat(parts, 2);
}

RenderGeometry render_geometry(const Flame& flame, const DecaCode& code,
                               const at::Tensor& crop_tform, int64_t image_size) {
  const c10::Device device = flame.device();
  const FlameOutput out =
      flame.forward(code.shape.to(device), code.exp.to(device), code.pose.to(device));
  const Projection proj = project(out, code.cam.to(device));
  const at::Tensor tform = crop_tform.to(device);
  RenderGeometry g;
  g.positions = crop_to_image_ndc(proj.trans_verts, tform, 224, image_size, image_size);
  g.normals = vertex_normals(out.vertices, flame.assets().faces);
  g.landmarks2d = crop_to_image_ndc(proj.landmarks2d, tform, 224, image_size, image_size);
  return g;
}

} // namespace drig::face
