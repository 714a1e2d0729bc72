#pragma once

// What the Studio's editing sliders hold, and how they become an EditSpec.
// Sliders are relative to the photo's fitted rig (an untouched control means
// "as fitted"), so the same controls applied to another photo (a preset,
// "apply to selected") make the same kind of change there. The controls
// travel inside the edit JSON under "controls"; `diffusionrig infer --edit`
// reads the spec next to them and ignores them.
#include "model/face/deca_encoder.h"
#include "render/render_types.h"
#include "training/edit/edit_spec.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace drig::face {
class Flame;
}

namespace drig::editing {

// A recognisable motion expressed in FLAME's expression coefficients.
struct ExpressionDirection {
  std::string key;                  // "smile", "brows", "eyes_closed"
  std::vector<double> coefficients; // n_exp values: the change at 100 %
};

// The named motions, measured on the user's own FLAME model: least-squares
// combinations of the leading expression components that move the 68
// landmarks as the motion does (mouth corners out and up; brows up; upper
// lids down) while keeping the other landmarks still.
struct ExpressionBasis {
  int components = 0; // n_exp of the rigs
  std::vector<ExpressionDirection> named;
  const ExpressionDirection* find(const std::string& key) const;
};

// n_shape/n_exp: the rigs' code sizes (DECA: 100/50). `leading`: how many
// components the motions may use. The coefficient vector of each motion has
// norm `strength` (FLAME's components are about unit variance, so 2.5 is a
// clear but plausible expression).
ExpressionBasis measure_expression_basis(const face::Flame& flame, int n_shape, int n_exp,
                                         int leading = 20, double strength = 2.5);

// Colour multipliers (buffer channel order R,G,B) of a light of the given
// colour temperature (Kelvin, 6500 = neutral) and tint (-1 green .. +1
// magenta), at the luminance of white.
std::array<double, 3> light_colour(double temperature_k, double tint);

struct EditControls {
  // Lighting. Untouched (light_edited false): the fitted light.
  bool light_edited = false;
  double azimuth_deg = 0, elevation_deg = 0; // absolute, FLAME frame (see light_rig.h)
  double intensity = 1;                      // times the fitted light's
  double ambient = 1;                        // times the fitted ambient
  double temperature_k = 6500;
  double tint = 0;
  std::array<double, 3> colour{1, 1, 1};   // a picked colour, times temperature and tint
  std::optional<render::ShLight> light_sh; // typed in or copied: replaces all of the above
  bool light_sh_keep_exposure = false;     // from a panorama or background (LightEdit)

  // Expression.
  std::map<std::string, double> named;       // motion key -> amount (1 = 100 %)
  std::map<int, double> components;          // coefficient index -> change
  std::optional<double> jaw_open_deg;        // absolute; unset = fitted jaw
  std::optional<std::vector<double>> copied; // another photo's coefficients, the new base

  // Pose: degrees added to the fitted yaw, pitch, roll.
  std::array<double, 3> pose_delta_deg{0, 0, 0};

  double strength = 1;
  // Colour lock 0..1; unset: EditSpec's default for the edit (on for
  // expression and pose edits, off for light edits).
  std::optional<double> colour_lock;
  double colour_lock_shown() const; // what the slider shows

  bool is_identity() const; // nothing changed
  bool operator==(const EditControls&) const;
  bool operator!=(const EditControls& o) const { return !(*this == o); }
};

// The controls that leave `fitted` as it is, with the light controls showing
// its dominant light (so the sliders start where the photo's light is).
EditControls controls_for(const face::DecaCode& fitted);
// Resets one group ("light", "expression", "pose") to controls_for(fitted).
void reset_group(EditControls& controls, const std::string& group, const face::DecaCode& fitted);
// Sets one group from another photo's rig: its light, its expression (with
// its jaw), or its head pose (as a change of `fitted`'s). Error naming
// `other_name` when the rigs do not fit together, and for an unknown group.
void copy_group(EditControls& controls, const std::string& group, const face::DecaCode& fitted,
                const face::DecaCode& other, const std::string& other_name);

nlohmann::json to_json(const EditControls& controls);
// Error naming `source` for anything malformed.
EditControls controls_from_json(const nlohmann::json& j, const std::string& source);

// The spec these controls make for the photo fitted as `fitted`.
EditSpec to_spec(const EditControls& controls, const face::DecaCode& fitted,
                 const ExpressionBasis& basis);

// Controls that make `spec` for `fitted` (an edit JSON without Studio
// controls, written by hand or by another tool): directional light with
// the fitted intensity and ambient, expression values as the new base.
EditControls controls_from_spec(const EditSpec& spec, const face::DecaCode& fitted);

// The controls of an edit document: its "controls", else made from its spec.
// Error naming `source` for anything malformed.
EditControls controls_from_document(const nlohmann::json& document, const face::DecaCode& fitted,
                                    const std::string& source);

// The edit JSON the Studio stores and exports as a preset: the spec (what
// infer reads) plus the controls.
nlohmann::json edit_document(const EditControls& controls, const EditSpec& spec);

} // namespace drig::editing
