// diffusionrig create-data: the original scripts/create_data.py, same flags.
#include "app/cli/create_data.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "training/datasets/create_data.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace drig::cli {

CommandRunner add_create_data_command(CLI::App& sub) {
  auto o = std::make_shared<datasets::CreateDataOptions>();
  auto meanshape = std::make_shared<std::string>("False");
  sub.add_option("--data_dir,--data-dir", o->data_dir,
                 "Folder of aligned photos (*.jpg, *.png, *.bmp; from `align`)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub.add_option("--output_dir,--output-dir", o->output_dir,
                 "The dataset folder to create (X.lmdb); never overwritten")
      ->required();
  sub.add_option("--image_size,--image-size", o->image_size, "Image and buffer size")
      ->capture_default_str();
  sub.add_option("--use_meanshape,--use-meanshape", *meanshape,
                 "True: every sample uses the album's mean shape (personal albums), and "
                 "mean_shape.pkl is written into the dataset; False for FFHQ")
      ->capture_default_str();
  sub.add_option("--batch_size,--batch-size", o->batch_size, "Photos per DECA batch")
      ->capture_default_str();
  sub.add_option("--renderer", o->renderer, "auto, gl or cpu (see `render --help`)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "gl", "cpu"}));
  return [o, meanshape](CommandEnv& env) {
    o->use_meanshape = parse_str2bool(*meanshape, "--use_meanshape");
    o->device = env.global.device;
    o->assets_dir = resolve_assets_dir(env.global.assets_dir);
    const datasets::CreateDataSummary s = datasets::create_data(*o, env.job);
    for (const auto& [photo, reason] : s.skipped)
      std::cout << fmt::format("skipped {}: {}\n", photo.string(), reason);
    if (s.cancelled) {
      std::cout << fmt::format("interrupted; run the same command again to continue ({}.partial "
                               "keeps the work done)\n",
                               o->output_dir.string());
      throw CancelledError();
    }
    std::cout << fmt::format(
        "{}: {} samples{}\n", o->output_dir.string(), s.samples,
        s.resumed > 0 ? fmt::format(" ({} from the interrupted run)", s.resumed) : "");
    return 0;
  };
}

} // namespace drig::cli
