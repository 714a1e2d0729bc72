#pragma once

#include "model/face/deca_encoder.h"
#include "render/buffer_renderer.h"
#include "render/render_types.h"

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace drig::face {
class Flame;
}

namespace drig::rendering {

// A fitted rig -> DiffusionRig's physical buffers, as create_data.py and
// inference.py render them (render_orig: the face where it is in the 256
// aligned image). Loads FLAME, the albedo model and the template once; one
// instance serves many rigs (datasets) or many edits (the Studio, the CLI).
class RigRenderer {
public:
  // Reads generic_model.pkl, landmark_embedding.npy, head_template.obj and
  // FLAME_texture.npz (else FLAME_albedo_from_BFM.npz) from `assets_dir`;
  // Error naming the file for anything missing or inconsistent.
  RigRenderer(const std::filesystem::path& assets_dir, render::RenderBackend backend);
  ~RigRenderer();

  struct Output {
    render::Buffers buffers;
    std::vector<float> landmarks; // (68,2) output pixels (x right, y down), for overlays
    // The FFHQ alignment centre of the rendered landmarks (eye midpoint plus
    // a tenth of the way to the mouth), image NDC: where align.py would put
    // the crop's centre.
    std::array<double, 2> ffhq_center{};
  };
  // code: batch 1. crop_tform: the rig's 256-image -> 224-crop transform
  // (row-major). size: output width = height (DiffusionRig: 256).
  // keep_center: the face is shifted in the image plane so that its FFHQ
  // centre lands there (inference.py's align_ffhq with the source's centre),
  // so a turned head stays where an aligned photo of it would be.
  Output render(const face::DecaCode& code, const std::array<double, 9>& crop_tform, int size,
                const std::optional<std::array<double, 2>>& keep_center = std::nullopt);

  // The posed mesh render() draws, for a live preview that rasterizes it
  // itself (the Studio's OpenGL view).
  struct Geometry {
    render::MeshPose pose;
    std::vector<float> landmarks; // as Output::landmarks
    std::array<double, 2> ffhq_center{};
  };
  Geometry geometry(const face::DecaCode& code, const std::array<double, 9>& crop_tform, int size,
                    const std::optional<std::array<double, 2>>& keep_center = std::nullopt) const;
  const render::MeshTopology& topology() const;
  // The albedo UV map of a texture code (1,50).
  render::AlbedoMap albedo(const at::Tensor& tex) const;
  const face::Flame& flame() const;

  std::string backend_description() const;
  // Why OpenGL was not used (empty when it was or when the CPU was asked for).
  const std::string& fallback_reason() const { return fallback_reason_; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string fallback_reason_;
};

} // namespace drig::rendering
