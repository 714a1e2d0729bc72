#include "model/base/atomic_file.h"

#include "model/base/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace drig {
namespace fs = std::filesystem;

namespace {

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0)
    return; // best effort: some file systems refuse opening folders
  ::fsync(fd);
  ::close(fd);
}

fs::path temporary_sibling(const fs::path& path) {
  std::random_device random;
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{:08x}", path.filename().string(), ::getpid(), random());
}

} // namespace

void write_file_atomic(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  const fs::path temp = temporary_sibling(path);
  try {
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      if (!out)
        fail("cannot write {}: {}", temp.string(), std::strerror(errno));
      write(out);
      out.flush();
      if (!out)
        fail("cannot write {}: {} (disk full?)", path.string(), std::strerror(errno));
    }
    fsync_path(temp, O_RDONLY);
    fs::rename(temp, path, ec);
    if (ec)
      fail("cannot replace {}: {}", path.string(), ec.message());
    fsync_path(folder, O_RDONLY | O_DIRECTORY);
  } catch (...) {
    fs::remove(temp, ec);
    throw;
  }
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot read {}: {}", path.string(), std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    fail("cannot read {}: I/O error", path.string());
  return buffer.str();
}

} // namespace drig
