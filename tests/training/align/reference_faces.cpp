#include "tests/training/align/reference_faces.h"

#include "tests/support/test_paths.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

namespace drig::test {

std::vector<ReferenceFace> reference_portraits(const std::string& prefix, size_t limit) {
  const std::filesystem::path root = shared_dir();
  std::ifstream in(root / "reference/align/expected/landmarks.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  std::vector<ReferenceFace> faces;
  for (const auto& [key, entry] : json["images"].items()) {
    if (key.rfind(prefix, 0) != 0 || entry["faces"].size() != 1)
      continue;
    ReferenceFace face;
    face.key = key;
    const cv::Mat bgr = cv::imread((root / "testdata/faces" / key).string(), cv::IMREAD_COLOR);
    if (!bgr.empty())
      cv::cvtColor(bgr, face.rgb, cv::COLOR_BGR2RGB);
    for (const auto& p : entry["faces"][0]["landmarks"])
      face.landmarks.emplace_back(p[0].get<double>(), p[1].get<double>());
    faces.push_back(std::move(face));
    if (faces.size() == limit)
      break;
  }
  return faces;
}

} // namespace drig::test
