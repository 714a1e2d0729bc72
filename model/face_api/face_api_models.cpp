#include "model/face_api/face_api_models.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace drig::face {

std::filesystem::path default_face_api_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("DIFFUSIONRIG_FACE_MODELS"); env && *env)
    return env; // what the user set, even when it lacks the models (doctor says so)
  std::vector<fs::path> candidates;
  if (const char* home = std::getenv("HOME"); home && *home)
    candidates.push_back(fs::path(home) / ".local/share/diffusionrig/face-api");
  candidates.emplace_back("/usr/share/diffusionrig/face-api");
  for (const fs::path& c : candidates)
    if (fs::exists(c / kDescriptorManifest))
      return c;
  return candidates.front();
}

FaceApiModels find_face_api_models(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  const auto has = [&](const char* manifest) {
    const std::string name = manifest;
    const std::string bin = name.substr(0, name.find("-weights_manifest.json")) + ".bin";
    return fs::exists(folder / manifest) && fs::exists(folder / bin);
  };
  FaceApiModels m;
  m.folder = folder;
  m.descriptor = has(kDescriptorManifest);
  m.expression = has(kExpressionManifest);
  m.detector = has("ssd_mobilenetv1_model-weights_manifest.json");
  m.landmarks = has(kLandmarkManifest);
  return m;
}

} // namespace drig::face
