// diffusionrig infer: the original scripts/inference.py (transfer of pose,
// expression or light from a target photo), plus the Studio's slider edits,
// with the result pasted back into the full-resolution photo.
#include "app/cli/infer.h"

#include "app/cli/edit_flags.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/base/log.h"
#include "model/base/paths.h"
#include "model/device.h"
#include "model/precision.h"
#include "training/align/album_job.h"
#include "training/edit/edit_engine.h"
#include "training/edit/edit_params.h"
#include "training/edit/guarded_edit.h"
#include "training/edit/identity_guard.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;

namespace drig::cli {
namespace {

struct InferArgs {
  std::vector<fs::path> sources;
  fs::path target, output_dir, model_path, meanshape, noise, cache;
  EditFlags edit; // shared with `render`: one spelling for one edit
  std::string modes = "pose,exp,light", steps = "ddim20", precision = "fp32", format;
  std::string sampler = "ddim";
  std::optional<double> colour_lock;
  double eta = 0;
  std::optional<int64_t> seed;
  int quality = 95, bit_depth = 0, image_size = 256;
  std::optional<double> min_identity;
  int identity_retries = 4;
  fs::path face_models;
  bool no_paste = false, side_by_side = false, save_npy = false;
};

editing::EditSpec spec_from(const InferArgs& a) {
  editing::EditSpec s = edit_spec(a.edit);
  if (a.colour_lock)
    s.colour_lock = *a.colour_lock;
  s.sampler = a.sampler;
  s.steps = a.steps;
  s.eta = a.eta;
  if (a.seed)
    s.seed = *a.seed;
  return s;
}

std::string output_extension(const InferArgs& a, const fs::path& source) {
  if (!a.format.empty())
    return "." + a.format;
  std::string ext = source.extension().string();
  for (char& c : ext)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".tif" || ext == ".tiff" || ext == ".jpeg" ? ext : ".jpg";
}

// The outputs of one result: the crop, and unless --no-paste-back the
// photo it came from with the edit pasted in (and a before/after).
editing::EditOutputs outputs_for(const InferArgs& a, const editing::PreparedPhoto& photo,
                                 const fs::path& crop, const std::string& tag) {
  editing::EditOutputs o;
  o.crop = crop;
  if (a.save_npy)
    o.crop_npy = fs::path(crop).replace_extension(".npy");
  o.write.jpeg_quality = a.quality;
  o.write.bit_depth = a.bit_depth;
  if (a.no_paste)
    return o;
  if (photo.source.empty() || !fs::exists(photo.source)) {
    std::cerr << fmt::format("note: {}: no source photo to paste into; wrote the crop only\n",
                             photo.aligned_png.string());
    return o;
  }
  const std::string stem = photo.source.stem().string() + "_" + tag;
  o.photo = a.output_dir / (stem + output_extension(a, photo.source));
  if (a.side_by_side)
    o.side_by_side = a.output_dir / (stem + "_compare.jpg");
  return o;
}

// What infer prints of the identity guard's report.
void print_identity(const editing::IdentityReport& r, const InferArgs& a, bool expression_edit) {
  if (!r.guarded)
    return; // said once, before the first photo
  std::cout << "  " << r.summary(a.min_identity.value_or(0), "--min-identity") << "\n";
  if (expression_edit && r.result_expression >= 0)
    std::cout << fmt::format(
        "  expression: {} {:.2f} (the photo: {} {:.2f})\n",
        face::kExpressionLabels[size_t(r.result_expression)], r.result_probability,
        face::kExpressionLabels[size_t(r.source_expression)], r.source_probability);
}

} // namespace

CommandRunner add_infer_command(CLI::App& sub) {
  auto a = std::make_shared<InferArgs>();
  sub.add_option("--source", a->sources, "Photos to edit (files or folders)")->required();
  sub.add_option("--target", a->target,
                 "Transfer from this photo (the paper's mode): its --modes replace the source's");
  sub.add_option("--output_dir,--output-dir,-o", a->output_dir, "Where the results go")->required();
  sub.add_option("--modes", a->modes, "With --target: what to take, of pose, exp, light, latent")
      ->capture_default_str();
  sub.add_option("--model_path,--model-path,--model", a->model_path,
                 "The DiffusionRig checkpoint (the person's stage 2 model)")
      ->required()
      ->check(CLI::ExistingFile);
  sub.add_option("--meanshape", a->meanshape,
                 "The album's mean shape (create-data --use_meanshape writes it)")
      ->check(CLI::ExistingFile);
  sub.add_option("--image_size,--image-size", a->image_size,
                 "The model's image size (the original's flag; checkpoints do not record it)")
      ->capture_default_str()
      ->check(CLI::Range(8, 1024));
  sub.add_option(
         "--sampler", a->sampler,
         "ddim (the original's), the faster DPM-Solver++ dpmpp2m / dpmpp3m, or unipc (2M with "
         "UniPC's corrector)")
      ->capture_default_str()
      ->check(CLI::IsMember({"ddim", "dpmpp2m", "dpmpp3m", "unipc"}));
  sub.add_option("--timestep_respacing,--steps", a->steps,
                 "Sampling steps: a count (15), or for ddim the original's respacing (ddim20)")
      ->capture_default_str();
  sub.add_option("--eta", a->eta, "DDIM eta (0 = deterministic)")->capture_default_str();
  sub.add_option("--seed", a->seed, "Seed of x_T (default 0)");
  sub.add_option("--noise", a->noise, "x_T as a (1,3,S,S) .npy: the original's fixed noise")
      ->check(CLI::ExistingFile);
  sub.add_option("--precision", a->precision,
                 "fp32, bf16 (CUDA, CPUs with native bf16), fp16 (CUDA) or auto")
      ->capture_default_str();
  add_edit_flags(sub, a->edit, false);
  sub.add_option("--colour-lock,--color-lock", a->colour_lock,
                 "Keep the photo's skin tone and white balance (0..1; default 1 for expression "
                 "and pose edits, 0 for light edits)")
      ->check(CLI::Range(0.0, 1.0));
  sub.add_flag("--no-paste-back", a->no_paste, "Write only the 256 crops");
  sub.add_flag("--side-by-side", a->side_by_side, "Also write a before/after image");
  sub.add_flag("--save-npy", a->save_npy, "Also write each crop's exact float output (.npy)");
  sub.add_option("--format", a->format, "Full-size output format (default: the source's)")
      ->check(CLI::IsMember({"jpg", "png", "tif"}));
  sub.add_option("--quality", a->quality, "JPEG quality")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  sub.add_option("--bit-depth", a->bit_depth, "8 or 16 (default: the source's)")
      ->check(CLI::IsMember({0, 8, 16}));
  sub.add_option("--min-identity", a->min_identity,
                 "Sample again with new seeds while the result's identity similarity (see "
                 "`diffusionrig identity`) is below this; the most alike result is kept")
      ->check(CLI::Range(-1.0, 1.0));
  sub.add_option("--identity-retries", a->identity_retries,
                 "At most this many more seeds for --min-identity")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  sub.add_option("--face-models", a->face_models,
                 "face-api model folder for the identity check (default: "
                 "$DIFFUSIONRIG_FACE_MODELS or ~/.local/share/diffusionrig/face-api)");
  sub.add_option("--cache", a->cache,
                 "Folder for aligned crops and rigs (default: ~/.cache/diffusionrig/photos)");
  return [a](CommandEnv& env) {
    editing::EngineOptions o;
    o.model_path = a->model_path;
    o.assets_dir = resolve_assets_dir(env.global.assets_dir);
    o.meanshape = a->meanshape;
    o.device = env.global.device;
    o.image_size = a->image_size;
    o.precision = resolve_precision(a->precision, resolve_device(DeviceSpec::parse(o.device)));
    o.cache_dir = a->cache;
    if (o.cache_dir.empty()) {
      const char* home = std::getenv("HOME");
      const char* xdg = std::getenv("XDG_CACHE_HOME");
      o.cache_dir = xdg && *xdg ? fs::path(xdg) / "diffusionrig/photos"
                    : home      ? fs::path(home) / ".cache/diffusionrig/photos"
                                : fs::path();
    }
    const std::vector<fs::path> photos = align::collect_photos(a->sources);
    DRIG_CHECK(!photos.empty(), "--source names no photos");
    std::error_code ec;
    fs::create_directories(a->output_dir, ec);
    DRIG_CHECK(fs::is_directory(a->output_dir), "{}: cannot create the output folder",
               a->output_dir.string());
    editing::EditParams params = editing::default_edit_params();
    params.spec = spec_from(*a);
    params.noise = a->noise; // one x_T for every photo and mode, as the original
    params.identity.min_similarity = a->min_identity.value_or(0);
    params.identity.retries = a->identity_retries;
    // Every problem with the flags at once, before a model is loaded.
    OptionCheck checked;
    o.check(checked);
    params.check(checked);
    checked.throw_if_failed("infer");
    const fs::path face_models =
        a->face_models.empty() ? identity::default_models_dir() : a->face_models;
    if (fs::exists(face_models / identity::kDescriptorManifest))
      params.identity.guard = std::make_shared<identity::IdentityGuard>(face_models);
    else if (a->min_identity)
      throw Error(fmt::format("--min-identity needs the face-api models: {} has no {} "
                              "(packaging/bootstrap.sh installs them)",
                              face_models.string(), identity::kDescriptorManifest));
    else
      std::cerr << fmt::format("note: identity not measured: no face-api models in {}\n",
                               face_models.string());
    editing::EditEngine engine(o);
    std::vector<editing::TransferMode> modes;
    if (!a->target.empty()) {
      DRIG_CHECK(!params.spec.changes_rig(),
                 "--target transfers from a photo; slider flags (--light-*, --exp, --yaw, ...) "
                 "are for editing without one");
      std::stringstream in(a->modes);
      std::string m;
      while (std::getline(in, m, ','))
        modes.push_back(editing::parse_mode(m));
      DRIG_CHECK(!modes.empty(), "--modes names no mode");
      params.target = engine.prepare(a->target, env.job);
    } else {
      DRIG_CHECK(params.spec.changes_rig(),
                 "nothing to do: give --target (transfer) or an edit "
                 "(--light-*, --sh, --light-from-*, --exp, --jaw, --yaw/--pitch/--roll, --edit)");
    }
    const auto print = [&](const editing::EditOutcome& r, bool expression_edit) {
      print_identity(r.identity, *a, expression_edit);
      if (!params.target && !std::isnan(r.skin_delta_e_before))
        std::cout << (r.colour_lock > 0
                          ? fmt::format("  skin colour: CIEDE2000 {:.1f} -> {:.1f} from the photo "
                                        "(colour lock {:.2f})\n",
                                        r.skin_delta_e_before, r.skin_delta_e_after, r.colour_lock)
                          : fmt::format("  skin colour: CIEDE2000 {:.1f} from the photo (colour "
                                        "lock off)\n",
                                        r.skin_delta_e_before));
      for (const fs::path& file : r.written)
        if (file.extension() != ".npy")
          std::cout << "  " << file.string() << "\n";
    };
    int failures = 0;
    for (size_t i = 0; i < photos.size(); ++i) {
      std::shared_ptr<const editing::PreparedPhoto> photo;
      try {
        photo = engine.prepare(photos[i], env.job);
      } catch (const CancelledError&) {
        throw;
      } catch (const Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        ++failures;
        continue;
      }
      std::cout << photos[i].string() << ":\n";
      if (photo->upscaled_from_px > 0)
        std::cout << fmt::format("  note: the face is {} px across, smaller than the {} px the "
                                 "model edits: upscaled, edited and pasted back at its own size; "
                                 "the result is limited by the photo's resolution\n",
                                 photo->upscaled_from_px, engine.image_size());
      if (params.target) {
        for (const editing::TransferMode mode : modes) {
          params.mode = mode;
          params.outputs = outputs_for(
              *a, *photo, a->output_dir / fmt::format("{}_{}.png", i, editing::mode_name(mode)),
              editing::mode_name(mode));
          print(engine.run(*photo, params, env.job), mode == editing::TransferMode::Exp);
        }
      } else {
        params.outputs = outputs_for(
            *a, *photo, a->output_dir / (photos[i].stem().string() + "_edit.png"), "edited");
        print(engine.run(*photo, params, env.job),
              !params.spec.expression.empty() || params.spec.jaw_deg.has_value());
      }
    }
    const auto c = engine.counters();
    std::cout << fmt::format("photos: aligned {}, fitted {}, encoded {} (the rest from the cache "
                             "in {})\n",
                             c.aligned, c.fitted, c.encoded, o.cache_dir.string());
    // What was read from disk in this run: each model once, each photo as
    // few times as its way through the engine needs (`-v` shows it).
    std::string reads;
    for (const auto& [kind, count] : load_counts())
      reads += fmt::format("{}{} {}", reads.empty() ? "" : ", ", kind, count);
    spdlog::debug("read in this run: {}", reads.empty() ? "nothing" : reads);
    DRIG_CHECK(failures < int(photos.size()), "no photo could be edited");
    return failures ? 1 : 0;
  };
}

} // namespace drig::cli
