#pragma once

#include "render/render_types.h"

#include <filesystem>
#include <vector>

namespace drig::rendering {

// What `diffusionrig render` and the Studio's export write into a folder:
// rendered/normal/albedo as 8-bit PNG views (normals as (n+1)/2) and as NPY
// (3,H,W) float32 with the exact values the model sees; alpha.png (the
// coverage mask) and shaded.png (a grey lit mesh with the 68 landmarks, for
// checking a fit). Every file is written atomically.
struct BufferFiles {
  std::vector<std::filesystem::path> written;
};

// landmarks: (68,2) output pixels, or empty for no overlay.
BufferFiles write_buffer_files(const std::filesystem::path& folder, const render::Buffers& buffers,
                               const std::vector<float>& landmarks);

} // namespace drig::rendering
