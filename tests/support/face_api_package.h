#pragma once

// Where `packaging/bootstrap.sh test` puts @vladmandic/face-api and
// TensorFlow.js for the tests ($DRIG_TFJS_NODE_MODULES overrides): the node
// reference runs and the package's demo photos.
#include <cstdlib>
#include <filesystem>

namespace drig::test {

inline std::filesystem::path tfjs_node_modules() {
  if (const char* env = std::getenv("DRIG_TFJS_NODE_MODULES"); env && *env)
    return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/") / ".cache/diffusionrig/tfjs/node_modules";
}

// A photo of face-api's demo folder (MIT, like the package), e.g. "sample2.jpg".
inline std::filesystem::path face_api_demo_photo(const char* name) {
  return tfjs_node_modules() / "@vladmandic/face-api/demo" / name;
}

} // namespace drig::test
