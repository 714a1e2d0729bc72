#pragma once

#include "model/face/deca_encoder.h"
#include "render/render_types.h"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace drig::rendering {

// What the Studio's sliders and `diffusionrig render`'s flags change in a
// fitted rig. Everything left unset keeps the fitted value.
struct RigEdit {
  // Absolute head rotation in degrees: yaw (+ turns the face to the image's
  // right), pitch (+ looks up), roll (+ tilts counter-clockwise as seen).
  std::optional<std::array<double, 3>> head_pose_deg;
  // Expression coefficients set by index (0-based, < the rig's count).
  std::vector<std::pair<int, double>> expression;
  // Jaw rotation about the x axis in degrees (+ opens the mouth); replaces
  // the fitted jaw's axis-angle.
  std::optional<double> jaw_open_deg;
  std::optional<render::ShLight> light;
};

// A copy of `code` with the edit applied; Error for an out-of-range index.
face::DecaCode apply_edit(const face::DecaCode& code, const RigEdit& edit);

// FLAME's global rotation (axis-angle, radians) <-> yaw/pitch/roll degrees
// with R = Ry(yaw) Rx(-pitch) Rz(roll) in FLAME's frame (x right, y up, z
// towards the camera).
std::array<double, 3> euler_deg_to_axis_angle(const std::array<double, 3>& yaw_pitch_roll);
std::array<double, 3> axis_angle_to_euler_deg(const std::array<double, 3>& axis_angle);

// A rig's head pose as yaw/pitch/roll degrees, and its jaw opening in
// degrees (the rotation about x that RigEdit::jaw_open_deg sets).
std::array<double, 3> head_pose_deg(const face::DecaCode& code);
double jaw_open_deg(const face::DecaCode& code);

// "3=1.5,7=-0.4" -> {(3,1.5),(7,-0.4)}; Error naming the bad part.
std::vector<std::pair<int, double>> parse_expression_edits(const std::string& text);

} // namespace drig::rendering
