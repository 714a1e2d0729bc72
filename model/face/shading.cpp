// DECA's spherical-harmonic shading (README section 7, renderer.py:214-219, 300-313).
#include "model/face/shading.h"

#include "model/base/error.h"
#include "model/base/sh_constants.h"

#include <torch/torch.h>

#include <cmath>

namespace drig::face {

at::Tensor sh_shading(const at::Tensor& normal_images, const at::Tensor& light) {
  DRIG_CHECK(normal_images.defined() && normal_images.dim() == 4 && normal_images.size(1) == 3 &&
                 normal_images.is_floating_point(),
             "sh_shading: normal images must be float (B,3,H,W), got {}",
             normal_images.defined() ? c10::str(normal_images.sizes()) : std::string("no tensor"));
  const int64_t b = normal_images.size(0), h = normal_images.size(2), w = normal_images.size(3);
  DRIG_CHECK(light.defined() && light.dim() == 3 && light.size(0) == b && light.size(1) == 9 &&
                 light.size(2) == 3,
             "sh_shading: light must be (B,9,3) with B = {}, got {}", b,
             light.defined() ? c10::str(light.sizes()) : std::string("no tensor"));
  const auto opts = normal_images.options();
  const at::Tensor nx = normal_images.select(1, 0), ny = normal_images.select(1, 1),
                   nz = normal_images.select(1, 2);
  const at::Tensor basis = at::stack({at::ones_like(nx), nx, ny, nz, nx * ny, nx * nz, ny * nz,
                                      nx * nx - ny * ny, 3 * (nz * nz) - 1},
                                     1); // (B,9,H,W)
  // The original turns the float64 constants into float32 before multiplying.
  const auto& c = sh_constants();
  const at::Tensor factors =
      at::tensor(std::vector<double>(c.begin(), c.end()), at::TensorOptions().dtype(at::kDouble))
          .to(at::kFloat)
          .to(opts.device(), normal_images.scalar_type())
          .view({1, 9, 1, 1});
  const at::Tensor weighted = (basis * factors).view({b, 9, h * w});
  // sum_k light[b,k,c] * Y_k as one batched product instead of a (B,9,3,H,W) temporary.
  return at::matmul(light.to(opts.device(), normal_images.scalar_type()).transpose(1, 2), weighted)
      .view({b, 3, h, w});
}

} // namespace drig::face
