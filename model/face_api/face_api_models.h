#pragma once

// Where the face-api model files (npm @vladmandic/face-api, `model/`, MIT)
// are: the user installs them (packaging/bootstrap.sh, or the .deb); the
// program never downloads them.
#include <filesystem>

namespace drig::face {

inline constexpr const char* kDescriptorManifest = "face_recognition_model-weights_manifest.json";
inline constexpr const char* kExpressionManifest = "face_expression_model-weights_manifest.json";
inline constexpr const char* kLandmarkManifest = "face_landmark_68_model-weights_manifest.json";

// $DIFFUSIONRIG_FACE_MODELS when set; else ~/.local/share/diffusionrig/face-api
// or the package's /usr/share/diffusionrig/face-api, the first that holds the
// descriptor's manifest (the first when none does).
std::filesystem::path default_face_api_dir();

// Which of the models the app uses a folder holds (manifest and shard).
struct FaceApiModels {
  std::filesystem::path folder;
  bool descriptor = false; // identity guard
  bool expression = false; // expression report
  bool detector = false;   // SSD stage of the face detection
  bool landmarks = false;  // 68 points for the faces only the SSD stage finds (profiles)
};
FaceApiModels find_face_api_models(const std::filesystem::path& folder = default_face_api_dir());

} // namespace drig::face
