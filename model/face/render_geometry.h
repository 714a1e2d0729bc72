#pragma once

#include "model/face/deca_encoder.h"
#include "model/face/flame.h"

#include <ATen/core/Tensor.h>

namespace drig::face {

// DECA's transform_points as DiffusionRig's render_orig path uses it: points
// in the 224 crop's NDC (B,N,3) -> the original image's NDC. crop_tform
// (B,3,3) maps original-image pixels to crop pixels (the rig's crop_tform,
// skimage's similarity); the original multiplies row vectors by
// inverse(crop_tform)^T, computed in float32 as here. z is kept.
at::Tensor crop_to_image_ndc(const at::Tensor& points, const at::Tensor& crop_tform,
                             int64_t crop_size, int64_t image_height, int64_t image_width);

// Everything the renderer needs from a DECA code, in the original image's
// NDC (x right, y down): FLAME, the orthographic camera with its flips, the
// crop-to-image transform, and world vertex normals (DECA's convention).
struct RenderGeometry {
  at::Tensor positions;   // (B,V,3)
  at::Tensor normals;     // (B,V,3)
  at::Tensor landmarks2d; // (B,68,2) image NDC (x right, y down)
};

// The original image is 256x256 in DiffusionRig; NDC does not depend on the
// output size, so one geometry serves every render size.
RenderGeometry render_geometry(const Flame& flame, const DecaCode& code,
                               const at::Tensor& crop_tform, int64_t image_size = 256);

} // namespace drig::face
