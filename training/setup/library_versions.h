#pragma once

#include <filesystem>
#include <string>

namespace drig {

struct TrainingLibraryVersions {
  std::string opencv, dlib, lmdb, eigen;
};

TrainingLibraryVersions training_library_versions();

// dlib's 68-point landmark model as Debian's libdlib-data installs it.
std::filesystem::path default_shape_predictor_path();

// Checks that `path` looks like dlib's serialized shape predictor (present,
// plausible size); returns an empty string when fine, else the problem.
std::string check_shape_predictor(const std::filesystem::path& path);

} // namespace drig
