#pragma once

// One edit of a portrait, as the Studio's sliders make it and as
// `diffusionrig infer --edit FILE.json` reads it: light, expression, jaw and
// head pose relative to the fitted rig, how strongly to apply them, and how
// to sample. The JSON is documented in docs/user-guide.md.
#include "model/face/deca_encoder.h"
#include "render/render_types.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace drig::editing {

struct LightEdit {
  // Unset parts keep what the fitted light looks like (its dominant light).
  std::optional<double> azimuth_deg, elevation_deg, intensity, ambient;
  std::optional<std::array<double, 3>> colour;
  std::optional<render::ShLight> sh; // all 27 numbers; excludes the above
  // With sh: scaled to the fitted light's DC luminance, so the photo keeps
  // its exposure (a light from a panorama or background photo).
  bool keep_exposure = false;
  bool empty() const {
    return !azimuth_deg && !elevation_deg && !intensity && !ambient && !colour && !sh;
  }
};

struct EditSpec {
  LightEdit light;
  std::vector<std::pair<int, double>> expression; // absolute coefficient values
  std::optional<double> jaw_deg;                  // absolute jaw opening
  std::array<double, 3> pose_delta_deg{0, 0, 0};  // yaw, pitch, roll added to the fitted pose
  double strength = 1.0;                          // 0 = the source's own rig, 1 = the full edit
  // Colour lock 0..1 (training/edit/colour_lock.h); unset: on (1) for
  // expression and pose edits, off for edits of the light alone.
  std::optional<double> colour_lock;
  // Sampling.
  std::string sampler = "ddim"; // ddim (the original's) | dpmpp2m | dpmpp3m | unipc
  std::string steps = "ddim20"; // timestep_respacing, or a step count
  int64_t seed = 0;
  double eta = 0.0;

  bool changes_rig() const;
  double colour_lock_strength() const;
  // Whether the lock keeps the new light's colour (the light is edited).
  bool colour_lock_keeps_light() const { return !light.empty(); }
};

// An expression coefficient index written as a JSON key ("3"); Error naming
// `what` ("expression key") and the key for anything else.
int coefficient_index(const std::string& key, const char* what);

nlohmann::json to_json(const EditSpec& spec);
// `source` names where the JSON came from in error messages.
EditSpec edit_from_json(const nlohmann::json& j, const std::string& source);
// An edit file's JSON (what `infer --edit` and the Studio's presets read);
// Error naming the file when it cannot be read or is not JSON.
nlohmann::json read_edit_json(const std::filesystem::path& path);
EditSpec load_edit(const std::filesystem::path& path);
void save_edit(const std::filesystem::path& path, const EditSpec& spec); // atomic

// The fitted rig with the edit applied, then moved only `strength` of the
// way from the fitted values (pose in yaw/pitch/roll, the rest linearly).
face::DecaCode apply_spec(const face::DecaCode& fitted, const EditSpec& spec);

// The paper's transfer modes (scripts/inference.py): what the source takes
// from the target. Latent: no rig change; the detail latent is the target's.
enum class TransferMode { Pose, Exp, Light, Latent };
TransferMode parse_mode(const std::string& name); // Error for an unknown name
const char* mode_name(TransferMode mode);
face::DecaCode transfer(const face::DecaCode& source, const face::DecaCode& target,
                        TransferMode mode);

} // namespace drig::editing
