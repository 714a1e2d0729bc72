#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

namespace drig::formats {

// A whole file mapped into memory, so that multi-gigabyte checkpoints can back
// tensors without being copied. The mapping is private copy-on-write: the file
// is never modified, and an in-place op on a zero-copy tensor copies the
// touched pages instead of crashing on a read-only page.
class MappedFile {
public:
  // Throws Error naming the file and the system's reason. An empty file maps
  // to an empty view.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

private:
  MappedFile() = default;

  std::filesystem::path path_;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// A CPU tensor over `nbytes` bytes at `data` laid out as `sizes`/`strides`
// (in elements, non-negative) of `dtype`, in native byte order. When `owner`
// is set and `data` is aligned for the element type the tensor shares the
// bytes and keeps `owner` alive; otherwise (unaligned, or no owner) it gets a
// copy. Throws Error when the layout needs more than `nbytes` bytes.
at::Tensor tensor_from_bytes(std::shared_ptr<const void> owner, const char* data, size_t nbytes,
                             at::ScalarType dtype, at::IntArrayRef sizes, at::IntArrayRef strides);

} // namespace drig::formats
