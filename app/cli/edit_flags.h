#pragma once

// The edit flags `infer` and `render` share: one spelling for one edit.
#include "app/cli/command.h"
#include "training/edit/edit_spec.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace drig::cli {

struct EditFlags {
  std::filesystem::path edit_file; // --edit: a Studio edit (JSON); the flags override it
  std::optional<double> azimuth, elevation, intensity, ambient, jaw, strength;
  std::string light;  // --light AZ,EL: the same as --light-azimuth/--light-elevation
  std::string colour; // R,G,B
  std::string sh;     // a file (text or .npy) or 27 comma-separated numbers
  std::filesystem::path light_background, light_hdri;
  double hdri_rotation = 0;
  bool light_absolute = false;
  std::vector<std::string> exp;        // INDEX=VALUE items (also comma-separated in one)
  double yaw = 0, pitch = 0, roll = 0; // added to the photo's fitted pose
  std::string pose; // --pose YAW,PITCH,ROLL: the absolute head pose (needs the fitted rig)
};

// Declares the flags on `sub`. `absolute_pose`: also --pose (render, where
// the one fitted rig is known before the edit is made).
void add_edit_flags(CLI::App& sub, EditFlags& flags, bool absolute_pose);

// The edit the flags describe. `fitted` turns --pose into a change of the
// fitted pose; errors name the flag.
editing::EditSpec edit_spec(const EditFlags& flags, const face::DecaCode* fitted = nullptr);

// Comma/space/newline separated numbers; Error naming `what` for anything else.
std::vector<double> parse_numbers(const std::string& text, const std::string& what);

} // namespace drig::cli
