#pragma once

// Runs face-api's own JavaScript (tests/training/edit/face_api_reference.js)
// under node, for the tests that compare our LibTorch ports with it.
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace drig::test {

// Why the node run cannot happen here (no node, no TensorFlow.js packages);
// empty when it can.
std::string face_api_node_missing();

// `images`: CV_8UC3 RGB for "ssd", CV_32FC3 RGB 0..255 for "descriptor" and
// "expression". Returns the script's "results", one per image; a failed
// run is a test failure (empty result).
nlohmann::json run_face_api_node(const std::string& net, const std::vector<cv::Mat>& images);

} // namespace drig::test
