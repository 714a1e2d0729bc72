#pragma once

#include "model/base/assets.h"
#include "model/device.h"
#include "model/face_api/face_api_models.h"
#include "render/headless_gl.h"
#include "training/setup/library_versions.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace drig::cli {

// Everything `diffusionrig doctor` finds out about this machine.
struct DoctorReport {
  std::string version;
  TorchRuntimeInfo torch;
  std::string device_requested, device_selected, device_description;
  std::string qt_version;
  TrainingLibraryVersions libraries;
  GlInfo gl;
  std::string shape_predictor_path, shape_predictor_problem;
  AssetReport assets;
  face::FaceApiModels face_models;   // optional: their features are off without them
  std::vector<std::string> problems; // the app cannot do its job until these are fixed
  std::vector<std::string> notes;    // worth knowing, not blocking

  bool ok() const { return problems.empty(); }
};

DoctorReport run_doctor(const GlobalOptions& options);
nlohmann::json to_json(const DoctorReport& report);
std::string to_text(const DoctorReport& report);

} // namespace drig::cli
