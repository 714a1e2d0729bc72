#pragma once

#include "model/base/sh_constants.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <array>
#include <filesystem>

namespace drig::face {

using drig::sh_constants; // model/base/sh_constants.h

// SRenderY.add_SHlight: normal_images (B,3,H,W), light (B,9,3) -> shading (B,3,H,W).
at::Tensor sh_shading(const at::Tensor& normal_images, const at::Tensor& light);

// FLAMETex: albedo UV maps from texture codes. Reads FLAME_texture.npz
// (keys mean, tex_dir; DiffusionRig's choice) or FLAME_albedo_from_BFM.npz
// (MU, PC). Wrong keys/shapes are a drig::Error naming the file.
class FlameTexture {
public:
  enum class Kind { Flame, Bfm };
  FlameTexture(const std::filesystem::path& npz, Kind kind, int n_tex, c10::Device device);
  // texcode (B,n_tex) -> albedo (B,3,256,256), channel order as DECA (reversed).
  at::Tensor albedo(const at::Tensor& texcode) const;
  int resolution() const { return resolution_; } // R of the stored maps (512 real, 16 fixture)

private:
  at::Tensor mean_;  // (1, R*R*3)
  at::Tensor basis_; // (R*R*3, n_tex)
  int resolution_ = 0;
};

} // namespace drig::face
