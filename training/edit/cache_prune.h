#pragma once

// Keeps a cache folder (the Studio's generated results) under a size limit
// by deleting the files used least recently first.
#include <cstdint>
#include <filesystem>
#include <set>

namespace drig::editing {

struct PruneResult {
  uint64_t bytes_before = 0, bytes_after = 0;
  int removed = 0;
};

// Regular files directly in `folder` (not recursive), oldest modification
// time first, until their total is at most `max_bytes`; files in `keep` stay.
// A missing folder is empty. Files that cannot be removed are skipped.
PruneResult prune_cache(const std::filesystem::path& folder, uint64_t max_bytes,
                        const std::set<std::filesystem::path>& keep = {});

} // namespace drig::editing
