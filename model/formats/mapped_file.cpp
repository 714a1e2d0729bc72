#include "model/formats/mapped_file.h"

#include "model/base/error.h"

#include <ATen/ATen.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>

namespace drig::formats {

namespace {

struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail("cannot open {}: {}", path.string(), std::strerror(errno));
  FdGuard guard{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    fail("cannot read {}: {}", path.string(), std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    fail("cannot read {}: not a regular file", path.string());

  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  if (info.st_size == 0)
    return file; // mmap refuses length 0
  if (static_cast<uint64_t>(info.st_size) > std::numeric_limits<size_t>::max())
    fail("cannot map {}: too large for this address space", path.string());
  const auto size = static_cast<size_t>(info.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED)
    fail("cannot map {}: {}", path.string(), std::strerror(errno));
  file->data_ = static_cast<char*>(data);
  file->size_ = size;
  return file;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr)
    ::munmap(data_, size_);
}

at::Tensor tensor_from_bytes(std::shared_ptr<const void> owner, const char* data, size_t nbytes,
                             at::ScalarType dtype, at::IntArrayRef sizes, at::IntArrayRef strides) {
  DRIG_CHECK(sizes.size() == strides.size(), "tensor layout has {} sizes but {} strides",
             sizes.size(), strides.size());
  const size_t item = c10::elementSize(dtype);
  // The extent is computed in unsigned arithmetic with overflow checks: the
  // sizes may come straight from a hostile file header.
  bool empty = false;
  uint64_t last = 0; // offset of the last element, in elements
  for (size_t i = 0; i < sizes.size(); ++i) {
    DRIG_CHECK(sizes[i] >= 0 && strides[i] >= 0, "tensor layout has a negative size or stride");
    if (sizes[i] == 0)
      empty = true;
  }
  const uint64_t max_elements = nbytes / item;
  if (!empty) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      const auto extent = static_cast<uint64_t>(sizes[i] - 1);
      const auto stride = static_cast<uint64_t>(strides[i]);
      if (extent != 0 && stride != 0 && extent > (max_elements - last) / stride)
        fail("tensor layout needs more than the {} bytes available", nbytes);
      last += extent * stride;
    }
    if (last >= max_elements)
      fail("tensor layout needs {} bytes but only {} are available", (last + 1) * item, nbytes);
  }
  const auto options = at::TensorOptions().dtype(dtype).device(at::kCPU);
  if (empty)
    return at::empty_strided(sizes, strides, options);

  const bool aligned = reinterpret_cast<uintptr_t>(data) % item == 0;
  if (owner && aligned) {
    // from_blob wants a mutable pointer; the mapping is copy-on-write, so a
    // write through it never reaches the file.
    return at::from_blob(
        const_cast<char*>(data), sizes, strides, [owner](void*) {}, options);
  }
  at::Tensor copy = at::empty_strided(sizes, strides, options);
  std::memcpy(copy.data_ptr(), data, (last + 1) * item);
  return copy;
}

} // namespace drig::formats
