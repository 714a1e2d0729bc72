#include "training/setup/library_versions.h"

#include <Eigen/Core>
#include <dlib/revision.h>
#include <fmt/format.h>
#include <lmdb.h>
#include <opencv2/core/version.hpp>

namespace drig {

TrainingLibraryVersions training_library_versions() {
  TrainingLibraryVersions v;
  v.opencv = CV_VERSION;
  v.dlib = fmt::format("{}.{}.{}", DLIB_MAJOR_VERSION, DLIB_MINOR_VERSION, DLIB_PATCH_VERSION);
  int major = 0, minor = 0, patch = 0;
  mdb_version(&major, &minor, &patch);
  v.lmdb = fmt::format("{}.{}.{}", major, minor, patch);
  v.eigen = fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);
  return v;
}

std::filesystem::path default_shape_predictor_path() {
  return "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
}

std::string check_shape_predictor(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return fmt::format("{} not found (apt-get install libdlib-data)", path.string());
  // The real model is ~95 MB; anything tiny is a truncated download.
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size < 1'000'000)
    return fmt::format("{} is only {} bytes: truncated or not dlib's 68-landmark model",
                       path.string(), ec ? 0 : size);
  return {};
}

} // namespace drig
