// diffusionrig light-from FILE [--hdri] [--hdri-rotation DEG] [--json]: the
// 27 SH numbers of a panorama's or a background photo's light, and its
// dominant direction as the Lighting sliders' azimuth and elevation.
#include "app/cli/light_from.h"

#include "training/edit/light_from_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace drig::cli {

CommandRunner add_light_from_command(CLI::App& sub) {
  struct Options {
    std::string file;
    bool hdri = false, json = false;
    editing::LightFromFileOptions light;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("FILE", o->file,
                 "A background photo (any photo format), or with --hdri an equirectangular "
                 "panorama (.hdr, .exr, or an ordinary photo)")
      ->required();
  sub.add_flag("--hdri", o->hdri, "FILE is an equirectangular panorama of the surroundings");
  sub.add_option("--hdri-rotation", o->light.rotation_deg,
                 "Turn the panorama by this azimuth (degrees, towards the image's right)")
      ->capture_default_str();
  sub.add_option("--background-fov", o->light.background_hfov_deg,
                 "The background photo's field of view across (degrees)")
      ->capture_default_str()
      ->check(CLI::Range(5.0, 170.0));
  sub.add_flag("--json", o->json,
               "Print {\"sh\": [27 numbers], \"azimuth\": a, \"elevation\": e} on stdout");
  sub.footer("Panorama convention: the centre column is azimuth 0 (towards the camera, a "
             "frontal light), azimuth grows towards the image's right edge (+180 there), the "
             "top row is elevation +90; azimuth and elevation mean what the Lighting sliders "
             "mean. The numbers are at the file's own exposure; infer --light-from-hdri / "
             "--light-from-background scale them to each photo's exposure.");
  return [o](CommandEnv&) {
    o->light.panorama = o->hdri;
    const editing::LightFromFile light = editing::light_from_file(o->file, o->light);
    if (!light.note.empty())
      std::cerr << "note: " << light.note << "\n";
    if (o->json) {
      std::cout << nlohmann::json{{"sh", std::vector<float>(light.sh.begin(), light.sh.end())},
                                  {"azimuth", light.azimuth_deg},
                                  {"elevation", light.elevation_deg}}
                       .dump(2)
                << "\n";
      return 0;
    }
    std::cout << fmt::format("dominant light: azimuth {:.1f}, elevation {:.1f} degrees\n",
                             light.azimuth_deg, light.elevation_deg);
    std::cout << "sh (9 rows of R G B, DECA's order):\n";
    for (size_t k = 0; k < 9; ++k)
      std::cout << fmt::format("  {:>10.5f} {:>10.5f} {:>10.5f}\n", light.sh[k * 3],
                               light.sh[k * 3 + 1], light.sh[k * 3 + 2]);
    return 0;
  };
}

} // namespace drig::cli
