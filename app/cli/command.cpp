#include "app/cli/command.h"

#include "app/cli/align.h"
#include "app/cli/assets.h"
#include "app/cli/bench.h"
#include "app/cli/create_data.h"
#include "app/cli/doctor.h"
#include "app/cli/fit.h"
#include "app/cli/identity.h"
#include "app/cli/infer.h"
#include "app/cli/inspect.h"
#include "app/cli/light_from.h"
#include "app/cli/render.h"
#include "app/cli/sample.h"
#include "app/cli/train.h"
#include "model/base/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <unistd.h>

namespace drig::cli {

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = {
      {"doctor",
       "Check libraries, GPU, headless OpenGL, the dlib landmark model and the assets folder",
       add_doctor_command},
      {"assets",
       "Set up the model files: install them from the downloaded zips, folders or files "
       "(found by content), or show which are missing and how to get them",
       add_assets_command},
      {"inspect",
       "Show what a model file holds (checkpoint, pickle, .npy/.npz) and which model it is",
       add_inspect_command},
      {"align",
       "Find and align the face in each photo of an album (FFHQ crop, as the original "
       "scripts/align.py), with a JSON sidecar per face",
       add_align_command},
      {"fit",
       "Fit DECA (FLAME shape, expression, pose, albedo, camera, light) to every aligned "
       "photo: one rig file each",
       add_fit_command},
      {"create-data",
       "Build a training dataset (LMDB, the original create_data.py layout) from aligned "
       "photos: fit, render, write",
       add_create_data_command},
      {"train",
       "Train a DiffusionRig model on a create-data LMDB (stage 1 generic, stage 2 "
       "personal), with exact resume",
       add_train_command},
      {"render",
       "Render a rig's physical buffers (rendered, normal, albedo) with optional light, "
       "expression and pose edits",
       add_render_command},
      {"infer",
       "Edit portraits: transfer pose, expression or light from a target photo (the original "
       "scripts/inference.py) or apply slider edits; pasted back into the full photo",
       add_infer_command},
      {"identity",
       "Face descriptors of photos and how alike they are (the identity guard; needs the "
       "face-api models)",
       add_identity_command},
      {"light-from",
       "The light of a panorama (HDR) or a background photo as the 27 SH numbers and the "
       "sliders' direction",
       add_light_from_command},
      {"sample", "Generate images with DDIM from a checkpoint, physical buffers and a latent",
       add_sample_command},
      {"bench",
       "Time the diffusion model (UNet, encoder, DDIM edit, training step); "
       "--compare-python times eager PyTorch in the same run",
       add_bench_command},
  };
  return table;
}

bool parse_str2bool(std::string text, const char* flag) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (text == "yes" || text == "true" || text == "t" || text == "y" || text == "1")
    return true;
  if (text == "no" || text == "false" || text == "f" || text == "n" || text == "0")
    return false;
  throw Error(fmt::format("{}: '{}' is not a boolean (True/False)", flag, text));
}

double parse_number(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size())
      return value;
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("{}: '{}' is not a number", what, text));
}

ProgressCallback stderr_progress(bool quiet) {
  if (quiet)
    return {};
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  auto last_decile = std::make_shared<int64_t>(-1);
  auto mutex = std::make_shared<std::mutex>();
  return [tty, last_decile, mutex](const ProgressUpdate& u) {
    std::lock_guard lock(*mutex);
    const int percent = static_cast<int>(u.fraction() * 100.0);
    if (!tty) {
      if (percent / 10 == *last_decile && u.done != u.total)
        return;
      *last_decile = percent / 10;
    }
    const std::string line =
        u.total > 0 ? fmt::format("[{}] {}/{} {:3}% ETA {} {}", u.stage, u.done, u.total, percent,
                                  format_duration(u.eta_seconds), u.message)
                    : fmt::format("[{}] {} {}", u.stage, u.done, u.message);
    if (tty)
      fmt::print(stderr, "\r\033[K{}{}", line, u.total > 0 && u.done >= u.total ? "\n" : "");
    else
      fmt::print(stderr, "{}\n", line);
    std::fflush(stderr);
  };
}

} // namespace drig::cli
