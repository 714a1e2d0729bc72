// diffusionrig fit: DECA rig parameters for every aligned photo of an album.
#include "app/cli/fit.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "training/rig/fit_job.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace drig::cli {

CommandRunner add_fit_command(CLI::App& sub) {
  auto o = std::make_shared<fitting::FitOptions>();
  sub.add_option("-i,--input", o->inputs, "Aligned photos (folders and/or files from `align`)")
      ->required()
      ->check(CLI::ExistingPath);
  sub.add_option("-o,--output", o->output_dir, "Folder for the rig files (<stem>.rig.json)")
      ->required();
  sub.add_flag("--use-meanshape", o->use_meanshape,
               "Give every rig the album's mean shape and write mean_shape.pkl (as the "
               "original create_data.py --use_meanshape True)");
  sub.add_option("--batch", o->batch_size, "Photos per encoder batch")->capture_default_str();
  sub.add_flag("--export-obj", o->export_obj,
               "Also write each fitted mesh as <stem>.obj (with UVs) for a 3D viewer");
  sub.add_flag("--force", o->force, "Refit photos whose rigs are up to date");
  return [o](CommandEnv& env) {
    o->device = env.global.device;
    o->assets_dir = resolve_assets_dir(env.global.assets_dir);
    const fitting::FitSummary s = fitting::fit_album(*o, env.job);
    std::cout << fmt::format("fitted {}, up to date {}, failed {}\n", s.fitted, s.up_to_date,
                             s.failed.size());
    for (const auto& [photo, reason] : s.failed)
      std::cout << fmt::format("  {}: {}\n", photo.string(), reason);
    if (!s.mean_shape_file.empty())
      std::cout << "mean shape: " << s.mean_shape_file.string() << "\n";
    if (s.cancelled)
      throw CancelledError();
    return s.usable() > 0 ? 0 : 1;
  };
}

} // namespace drig::cli
