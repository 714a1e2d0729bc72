#include "tests/support/test_paths.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/base/paths.h"

#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <execinfo.h>
#include <sys/wait.h>
#include <unistd.h>

namespace drig::test {
namespace fs = std::filesystem;

namespace {
// A crash in a test prints where it happened (tests link with -rdynamic), so a
// CI or GPU-machine log is enough to find it without a debugger.
extern "C" void print_backtrace(int signal) {
  void* frames[64];
  const int count = ::backtrace(frames, 64);
  const char header[] = "\n*** fatal signal in test; backtrace:\n";
  (void)!::write(STDERR_FILENO, header, sizeof(header) - 1);
  ::backtrace_symbols_fd(frames, count, STDERR_FILENO);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}
const bool kBacktraceInstalled = [] {
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    std::signal(s, print_backtrace);
  return true;
}();
} // namespace

fs::path source_dir() {
  return DRIG_SOURCE_DIR;
}

fs::path binary_dir() {
  return DRIG_BINARY_DIR;
}

fs::path shared_dir() {
  return find_shared_dir(source_dir());
}

TempDir::TempDir(const std::string& name) {
  path_ = binary_dir() / "test-tmp" / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path extracted_fixture(const std::string& name) {
  const fs::path shared = shared_dir();
  if (shared.empty())
    return {};
  const fs::path target = binary_dir() / "fixtures" / name;
  std::error_code ec;
  if (fs::exists(target, ec))
    return target;
  fs::create_directories(target.parent_path());
  const fs::path temp = target.string() + ".tmp-" + std::to_string(::getpid());
  std::string command;
  if (name.rfind("tiny/", 0) == 0)
    command = "tar -xJOf '" + (shared / "reference/diffusion/tiny/checkpoints.tar.xz").string() +
              "' '" + name.substr(5) + "' > '" + temp.string() + "'";
  else if (name == "deca/deca_model.tar")
    command = "xz -dc '" + (shared / "reference/deca/data/deca_model.tar.xz").string() + "' > '" +
              temp.string() + "'";
  else
    throw std::runtime_error("unknown compressed fixture " + name);
  if (run_command(command).exit_code != 0)
    throw std::runtime_error("could not decompress fixture " + name + ": " + command);
  fs::rename(temp, target); // atomic: a concurrent test sees all or nothing
  return target;
}

bool update_goldens() {
  const char* value = std::getenv("DRIG_UPDATE_GOLDENS");
  return value != nullptr && std::string(value) == "1";
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr)
    return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string zip_with_first_member(const std::string& name) {
  std::string header("PK\x03\x04", 4);
  header += std::string(22, '\0');
  header += static_cast<char>(name.size() & 0xff);
  header += static_cast<char>(name.size() >> 8);
  header += std::string(2, '\0');
  return header + name + std::string(64, '\0');
}

void write_fake_assets(const fs::path& folder) {
  write_file_atomic(folder / "stage1.pt", zip_with_first_member("model000000/data.pkl"));
  write_file_atomic(folder / "deca_model.tar", zip_with_first_member("model/data.pkl"));
  write_file_atomic(folder / "generic_model.pkl", std::string("\x80\x02}q\x00.", 6));
  write_file_atomic(folder / "FLAME_texture.npz", zip_with_first_member("mean.npy"));
  write_file_atomic(folder / "landmark_embedding.npy", std::string("\x93NUMPY\x01\x00", 8));
  write_file_atomic(folder / "head_template.obj", "# Blender\nmtllib t.mtl\nv 0 0 0\n");
}

std::string cli() {
  if (const char* path = std::getenv("DRIG_CLI"))
    return path;
  const std::filesystem::path built = binary_dir() / "app/cli/diffusionrig";
  return std::filesystem::exists(built) ? built.string() : "diffusionrig";
}

} // namespace drig::test
