#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace drig {

// Writes `path` so that readers see either the old file or the complete new
// one, never a partial write: the content goes to a temporary file in the same
// folder, is flushed to disk, and is renamed over `path`. If `write` throws, or
// the process dies, the old file is left as it was.
void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(std::ostream&)>& write);
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole file; throws Error naming the file when it cannot.
std::string read_file(const std::filesystem::path& path);

} // namespace drig
