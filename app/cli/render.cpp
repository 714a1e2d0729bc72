// diffusionrig render: a rig's physical buffers, with the Studio's edits in
// the same flags as `infer` (plus --pose, the absolute head pose).
#include "app/cli/render.h"

#include "app/cli/edit_flags.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "render/light_rig.h"
#include "training/rig/buffer_files.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/rig_edit.h"
#include "training/rig/rig_file.h"
#include "training/rig/rig_renderer.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace drig::cli {
namespace {

struct RenderArgs {
  std::filesystem::path rig, output;
  int size = 256;
  std::string renderer = "auto";
  EditFlags edit; // shared with `infer`: one spelling for one edit
};

void print_sliders(const face::DecaCode& code) {
  const auto ypr = rendering::head_pose_deg(code);
  const render::DirectionalLight l =
      render::dominant_light(rendering::light_from_tensor(code.light));
  std::cout << fmt::format("head pose (yaw, pitch, roll): {:.1f}, {:.1f}, {:.1f} degrees\n", ypr[0],
                           ypr[1], ypr[2]);
  std::cout << fmt::format("light: azimuth {:.1f}, elevation {:.1f}, intensity {:.3f}, colour "
                           "{:.2f},{:.2f},{:.2f}, ambient {:.3f}\n",
                           l.azimuth_deg, l.elevation_deg, l.intensity, l.colour[0], l.colour[1],
                           l.colour[2], l.ambient);
}

} // namespace

CommandRunner add_render_command(CLI::App& sub) {
  auto a = std::make_shared<RenderArgs>();
  sub.add_option("rig", a->rig, "A rig file from `diffusionrig fit` (<stem>.rig.json)")
      ->required()
      ->check(CLI::ExistingFile);
  sub.add_option("-o,--output", a->output,
                 "Folder for rendered/normal/albedo (.png 8-bit views, .npy exact floats), "
                 "alpha.png and shaded.png")
      ->required();
  sub.add_option("--size", a->size, "Output width and height (DiffusionRig: 256)")
      ->capture_default_str()
      ->check(CLI::Range(16, 4096));
  sub.add_option(
         "--renderer", a->renderer,
         "auto (OpenGL on a GPU, else the CPU rasterizer: same rule, faster than a software "
         "OpenGL), gl, or cpu")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "gl", "cpu"}));
  add_edit_flags(sub, a->edit, true);
  return [a](CommandEnv& env) {
    const fitting::Rig rig = fitting::load_rig(a->rig);
    const face::DecaCode code = editing::apply_spec(rig.code, edit_spec(a->edit, &rig.code));
    rendering::RigRenderer renderer(resolve_assets_dir(env.global.assets_dir),
                                    render::parse_render_backend(a->renderer));
    if (!renderer.fallback_reason().empty())
      std::cerr << "note: " << renderer.fallback_reason() << "; rendering on the CPU\n";
    std::cout << "fitted: ";
    print_sliders(rig.code);
    const rendering::RigRenderer::Output out = renderer.render(code, rig.crop_tform, a->size);
    const rendering::BufferFiles files =
        rendering::write_buffer_files(a->output, out.buffers, out.landmarks);
    std::cout << fmt::format("rendered {}x{} with {}\n", a->size, a->size,
                             renderer.backend_description());
    for (const auto& f : files.written)
      std::cout << "  " << f.string() << "\n";
    return 0;
  };
}

} // namespace drig::cli
