#include "model/base/load_once.h"

#include <fmt/format.h>

namespace drig {

namespace fs = std::filesystem;

std::string file_stamp(const fs::path& file) {
  std::error_code ec;
  fs::path canon = fs::weakly_canonical(file, ec);
  if (ec || canon.empty())
    canon = file;
  const auto size = fs::file_size(canon, ec);
  const auto time = fs::last_write_time(canon, ec).time_since_epoch().count();
  return fmt::format("{}|{}|{}", canon.string(), ec ? 0 : size, ec ? 0 : time);
}

namespace {
std::mutex& counts_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, int>& counts() {
  static std::map<std::string, int> c;
  return c;
}
} // namespace

void count_load(std::string_view kind) {
  std::lock_guard lock(counts_mutex());
  ++counts()[std::string(kind)];
}

int load_count(std::string_view kind) {
  std::lock_guard lock(counts_mutex());
  const auto it = counts().find(std::string(kind));
  return it == counts().end() ? 0 : it->second;
}

std::map<std::string, int> load_counts() {
  std::lock_guard lock(counts_mutex());
  return counts();
}

} // namespace drig
