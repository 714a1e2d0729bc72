#include "model/base/paths.h"

#include <cstdlib>
#include <string_view>

namespace drig {
namespace fs = std::filesystem;

namespace {
std::optional<fs::path> env_path(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    return std::nullopt;
  return fs::path(value);
}
} // namespace

bool env_switch_on(const char* name) {
  const char* value = std::getenv(name);
  return !(value && std::string_view(value) == "0");
}

fs::path user_data_dir() {
  if (auto xdg = env_path("XDG_DATA_HOME"))
    return *xdg / "diffusionrig";
  if (auto home = env_path("HOME"))
    return *home / ".local" / "share" / "diffusionrig";
  return fs::current_path() / ".diffusionrig";
}

fs::path resolve_assets_dir(const std::optional<fs::path>& chosen) {
  if (chosen && !chosen->empty())
    return *chosen;
  if (auto env = env_path("DIFFUSIONRIG_ASSETS"))
    return *env;
  return user_data_dir() / "assets";
}

fs::path find_shared_dir(const fs::path& source_dir) {
  std::error_code ec;
  if (auto env = env_path("DRIG_SHARED_DIR"); env && fs::is_directory(*env, ec))
    return *env;
  const fs::path sibling = source_dir.parent_path() / "shared";
  if (!source_dir.empty() && fs::is_directory(sibling, ec))
    return sibling;
  return {};
}

} // namespace drig
