#include "tests/training/edit/face_api_node.h"

#include "tests/support/face_api_package.h"
#include "tests/support/test_paths.h"
#include "training/edit/identity_guard.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;

namespace drig::test {

std::string face_api_node_missing() {
  if (run_command("command -v node > /dev/null").exit_code != 0)
    return "no node on PATH";
  if (!fs::exists(tfjs_node_modules() / "@vladmandic/face-api/dist/face-api.node-wasm.js") ||
      !fs::exists(tfjs_node_modules() / "@tensorflow/tfjs"))
    return "no @vladmandic/face-api + @tensorflow/tfjs in " + tfjs_node_modules().string() +
           " (packaging/bootstrap.sh test installs them; or set DRIG_TFJS_NODE_MODULES)";
  return {};
}

nlohmann::json run_face_api_node(const std::string& net, const std::vector<cv::Mat>& images) {
  TempDir dir("face_api_node_" + net);
  std::string args;
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat image = images[i].isContinuous() ? images[i] : images[i].clone();
    const fs::path raw = dir / ("image" + std::to_string(i) + ".raw");
    std::ofstream(raw, std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data),
               std::streamsize(image.total() * image.elemSize()));
    args +=
        " '" + raw.string() + "' " + std::to_string(image.cols) + " " + std::to_string(image.rows);
  }
  const fs::path script = drig::test::source_dir() / "tests/training/edit/face_api_reference.js";
  const CommandResult js =
      run_command("NODE_PATH='" + tfjs_node_modules().string() + "' node '" + script.string() +
                  "' '" + identity::default_models_dir().string() + "' " + net + args);
  EXPECT_EQ(js.exit_code, 0) << "face-api's node run failed (" << net << ")";
  if (js.exit_code != 0)
    return nlohmann::json::array();
  const nlohmann::json out = nlohmann::json::parse(js.out);
  EXPECT_EQ(out["results"].size(), images.size());
  return out["results"];
}

} // namespace drig::test
