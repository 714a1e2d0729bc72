#pragma once

#include "model/face/deca_encoder.h"

#include <array>
#include <filesystem>
#include <map>
#include <string>

namespace drig::fitting {

// Everything DECA says about one aligned photo: the rig the editor moves and
// the renderer draws. Stored as JSON next to nothing else (one file per
// aligned image), floats written with enough digits to read back exactly.
struct Rig {
  face::DecaCode code;     // tensors with batch 1, on the CPU; shape = the one used
  at::Tensor fitted_shape; // (1,100) the encoder's own shape code
  std::string image;       // the aligned image it was fitted on (absolute path)
  std::string image_md5;
  bool mean_shape = false;  // code.shape was replaced by the album's mean
  std::string deca_version; // "DECA coarse (E_flame), DiffusionRig preprocessing"
  std::map<std::string, std::string> asset_md5; // file name -> md5 of the assets used
  std::array<double, 9> crop_tform{};           // aligned-image pixels -> 224 crop (row-major 3x3)
};

void save_rig(const std::filesystem::path& path, const Rig& rig);
// Where `fit` puts the rig of `image` in `folder`: <stem>.rig.json.
std::filesystem::path rig_path(const std::filesystem::path& folder,
                               const std::filesystem::path& image);
// Throws drig::Error naming the file and the field for anything missing or malformed.
Rig load_rig(const std::filesystem::path& path);

} // namespace drig::fitting
