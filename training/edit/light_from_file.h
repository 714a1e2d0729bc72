#pragma once

// A light edit from a picture of the surroundings: an HDR (or LDR)
// equirectangular panorama, or a background photo the subject should look
// lit by (render/environment_light.h has the conventions and assumptions).
#include "render/render_types.h"

#include <filesystem>
#include <string>

namespace drig {
class OptionCheck;
}

namespace drig::editing {

struct LightFromFileOptions {
  bool panorama = false;           // an equirectangular panorama; else a background photo
  double rotation_deg = 0;         // panorama: turn it by this azimuth first
  double background_hfov_deg = 60; // background: the lens's field of view across
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

struct LightFromFile {
  render::ShLight sh{};     // DECA's 27 numbers, at the file's own exposure
  double azimuth_deg = 0;   // the dominant light, as the Lighting sliders
  double elevation_deg = 0; // mean them
  std::string note;         // e.g. a panorama that is not 2:1; empty when none
};

// Reads .hdr / .exr (linear radiance) or any photo format (sRGB, made
// linear; ICC converted, EXIF orientation applied). Error naming the file
// when it cannot be read or holds no light at all.
LightFromFile light_from_file(const std::filesystem::path& path,
                              const LightFromFileOptions& options = {});

// DECA's 27 SH numbers (9 bands x RGB) from a .npy array of any shape, or a
// text file of numbers separated by commas or white space. Error naming the
// file when it cannot be read or holds another count.
render::ShLight read_sh_file(const std::filesystem::path& path);

} // namespace drig::editing
