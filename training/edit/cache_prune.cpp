#include "training/edit/cache_prune.h"

#include <algorithm>
#include <vector>

namespace fs = std::filesystem;

namespace drig::editing {

PruneResult prune_cache(const fs::path& folder, uint64_t max_bytes,
                        const std::set<fs::path>& keep) {
  struct Entry {
    fs::path path;
    uint64_t size;
    fs::file_time_type time;
  };
  std::vector<Entry> files;
  PruneResult r;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e;
    if (!it->is_regular_file(e))
      continue;
    const uint64_t size = it->file_size(e);
    const auto time = it->last_write_time(e);
    if (e)
      continue;
    files.push_back({it->path(), size, time});
    r.bytes_before += size;
  }
  r.bytes_after = r.bytes_before;
  std::sort(files.begin(), files.end(),
            [](const Entry& a, const Entry& b) { return a.time < b.time; });
  for (const Entry& f : files) {
    if (r.bytes_after <= max_bytes)
      break;
    if (keep.count(f.path))
      continue;
    std::error_code e;
    if (fs::remove(f.path, e)) {
      r.bytes_after -= f.size;
      ++r.removed;
    }
  }
  return r;
}

} // namespace drig::editing
