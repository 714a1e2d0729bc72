#pragma once

#include <filesystem>
#include <optional>

namespace drig {

// ~/.local/share/diffusionrig (honours XDG_DATA_HOME).
std::filesystem::path user_data_dir();

// Where the user's model files live, in order of precedence: the explicit
// choice (--assets or the GUI preference), $DIFFUSIONRIG_ASSETS, then
// user_data_dir()/assets.
std::filesystem::path resolve_assets_dir(const std::optional<std::filesystem::path>& chosen);

// An optimisation that NAME=0 in the environment switches off (benchmarks
// compare with and without it); on when NAME is unset or anything else.
bool env_switch_on(const char* name);

// The repository's sibling ../shared folder (tests and developer tools only):
// $DRIG_SHARED_DIR, else <source dir>/../shared. Empty when absent.
std::filesystem::path find_shared_dir(const std::filesystem::path& source_dir);

} // namespace drig
