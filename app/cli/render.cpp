// diffusionrig render: a rig's physical buffers, with the Studio's edits.
#include "app/cli/render.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "render/light_rig.h"
#include "training/fitting/rig_file.h"
#include "training/rendering/buffer_files.h"
#include "training/rendering/buffer_tensors.h"
#include "training/rendering/rig_edit.h"
#include "training/rendering/rig_renderer.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace drig::cli {
namespace {

struct RenderArgs {
  std::filesystem::path rig, output;
  int size = 256;
  std::string renderer = "auto";
  std::string light_dir, light_colour, sh, exp, pose;
  std::optional<double> light_intensity, ambient, jaw;
};

std::vector<double> numbers(const std::string& text, size_t count, const char* flag) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    out.push_back(parse_number(part, flag));
  }
  DRIG_CHECK(out.size() == count, "{} takes {} comma-separated numbers, got {}", flag, count,
             out.size());
  return out;
}

rendering::RigEdit edit_from(const RenderArgs& a, const face::DecaCode& fitted) {
  rendering::RigEdit edit;
  if (!a.pose.empty()) {
    const auto v = numbers(a.pose, 3, "--pose");
    edit.head_pose_deg = std::array<double, 3>{v[0], v[1], v[2]};
  }
  if (!a.exp.empty())
    edit.expression = rendering::parse_expression_edits(a.exp);
  edit.jaw_open_deg = a.jaw;
  const bool directional = !a.light_dir.empty() || !a.light_colour.empty() ||
                           a.light_intensity.has_value() || a.ambient.has_value();
  DRIG_CHECK(!(directional && !a.sh.empty()),
             "--sh sets all 27 SH numbers; it cannot be combined with --light, "
             "--light-intensity, --light-colour or --ambient");
  if (!a.sh.empty()) {
    const auto v = numbers(a.sh, 27, "--sh");
    render::ShLight sh{};
    for (size_t i = 0; i < 27; ++i)
      sh[i] = float(v[i]);
    edit.light = sh;
  } else if (directional) {
    // Unset parts keep what the fitted light looks like.
    render::DirectionalLight light =
        render::dominant_light(rendering::light_from_tensor(fitted.light));
    if (!a.light_dir.empty()) {
      const auto v = numbers(a.light_dir, 2, "--light");
      light.azimuth_deg = v[0];
      light.elevation_deg = v[1];
    }
    if (a.light_intensity)
      light.intensity = *a.light_intensity;
    if (a.ambient)
      light.ambient = *a.ambient;
    if (!a.light_colour.empty()) {
      const auto v = numbers(a.light_colour, 3, "--light-colour");
      light.colour = {v[0], v[1], v[2]};
    }
    edit.light = render::directional_to_sh(light);
  }
  return edit;
}

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
  sub.add_option("--light", a->light_dir,
                 "Light direction AZIMUTH,ELEVATION in degrees (0,0 = from the camera; +azimuth "
                 "from the image's right, +elevation from above)");
  sub.add_option("--light-intensity", a->light_intensity, "Light intensity (irradiance)");
  sub.add_option("--light-colour,--light-color", a->light_colour, "Light colour R,G,B (0..1)");
  sub.add_option("--ambient", a->ambient, "Uniform ambient light");
  sub.add_option("--sh", a->sh, "All 27 SH light numbers, light[k][c] order (k = 0..8, c = R,G,B)");
  sub.add_option("--exp", a->exp, "Expression coefficients INDEX=VALUE[,INDEX=VALUE...]");
  sub.add_option("--jaw", a->jaw, "Jaw opening in degrees (rotation about x; + opens)");
  sub.add_option("--pose", a->pose,
                 "Head rotation YAW,PITCH,ROLL in degrees (+yaw faces the image's right, +pitch "
                 "looks up, +roll counter-clockwise)");
  return [a](CommandEnv& env) {
    const fitting::Rig rig = fitting::load_rig(a->rig);
    const rendering::RigEdit edit = edit_from(*a, rig.code);
    const face::DecaCode code = rendering::apply_edit(rig.code, edit);
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
