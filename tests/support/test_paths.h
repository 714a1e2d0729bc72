#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace drig::test {

// The checkout and build folders. Only test_paths.cpp sees them as macros,
// so every other file compiles the same in any clone (ccache hits).
std::filesystem::path source_dir();
std::filesystem::path binary_dir();

// The ../shared folder beside the checkout; empty when absent.
std::filesystem::path shared_dir();

// A fresh, empty folder under the build tree for one test, removed on destruction.
class TempDir {
public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

private:
  std::filesystem::path path_;
};

// The big fixtures ../shared stores compressed, decompressed once into the
// build tree (shared by all tests, safe under ctest -j): "tiny/model000000.pt",
// "tiny/model000000_legacy.pt" (diffusion/tiny/checkpoints.tar.xz) and
// "deca/deca_model.tar" (deca/data/deca_model.tar.xz). Empty when ../shared is absent.
std::filesystem::path extracted_fixture(const std::string& name);

// Whether goldens should be rewritten instead of compared (DRIG_UPDATE_GOLDENS=1).
bool update_goldens();

// Runs a shell command, returns its exit status and captures stdout (stderr
// goes to the test log).
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult run_command(const std::string& command);

// The `diffusionrig` binary the CLI tests run: $DRIG_CLI (ctest sets it),
// else the build's own, else the one on PATH.
std::string cli();

// The message of the drig::Error that `f` throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

// The first bytes of a zip archive whose first member is `name`: enough for
// content sniffing (torch checkpoints start with "<root>/data.pkl", .npz with "<key>.npy").
std::string zip_with_first_member(const std::string& name);

// Fills `folder` with every required asset, each a few bytes of the right kind.
void write_fake_assets(const std::filesystem::path& folder);

} // namespace drig::test

// Skips the current test when ../shared is absent, saying why.
#define DRIG_REQUIRE_SHARED()                                                                      \
  do {                                                                                             \
    if (::drig::test::shared_dir().empty())                                                        \
      GTEST_SKIP() << "../shared not found (set DRIG_SHARED_DIR to the shared folder)";            \
  } while (false)
