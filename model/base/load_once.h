#pragma once

// Things read from a big file (a landmark model, DECA's encoder, a file's
// hash) are loaded once per process and shared: a run over an album, and
// every job the Studio starts, pays for each file once. A file that changes
// on disk (size or modification time) is loaded again.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace drig {

// A file's identity for caching: its canonical path, size and modification
// time. Throws nothing; a missing file gets size and time 0.
std::string file_stamp(const std::filesystem::path& file);

// Counts of expensive reads in this process, by kind ("deca encoder",
// "landmark model", "photo decode", ...): what tests and `infer -v` check.
void count_load(std::string_view kind);
int load_count(std::string_view kind);
std::map<std::string, int> load_counts();

// The shared instance of what `load` makes from `file` (and `variant`, e.g.
// a device): made on the first call, again only when the file changes. A
// second caller waits for a load in progress instead of loading twice.
template <class T>
std::shared_ptr<const T> load_once(const std::filesystem::path& file, const std::string& variant,
                                   const std::function<std::shared_ptr<const T>()>& load) {
  struct Entry {
    std::string stamp;
    std::shared_ptr<const T> value;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  const std::string stamp = file_stamp(file);
  const std::string key = stamp.substr(0, stamp.find('|')) + "#" + variant;
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end() && it->second.stamp == stamp)
    return it->second.value;
  std::shared_ptr<const T> value = load();
  cache[key] = Entry{stamp, value};
  return value;
}

} // namespace drig
