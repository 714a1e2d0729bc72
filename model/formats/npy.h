#pragma once

#include "model/formats/pickle.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drig::formats {

class ZipReader;

// The parsed header of a .npy file.
struct NpyHeader {
  std::string descr; // as written, e.g. "<f4", "|O"
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t data_offset = 0; // where the array data (or the pickle) starts
};

struct NpyArray {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  // Numeric arrays: C-contiguous (Fortran data is reordered), logical `shape`.
  // Unsigned 16/32-bit widen to int32/int64 (LibTorch 1.13 has no such
  // types), uint64 becomes int64 (values >= 2^63 are refused).
  at::Tensor tensor;
  // Object arrays ('|O'): the unpickled rest of the file. np.save pickles the
  // whole ndarray, so this is the array itself; the caller unwraps it.
  PickleRef object;
};

// Parses and checks the magic, version (1.0, 2.0, 3.0) and header dict.
// Throws Error naming `source` for anything else.
// NumPy array data (C or Fortran order, any supported descr such as "<f8",
// ">i4", "|b1") to a C-contiguous tensor; zero-copy over `owner`'s bytes when
// aligned and native. Also used for arrays pickled inside other files.
at::Tensor numpy_bytes_to_tensor(const std::string& descr, const std::vector<int64_t>& shape,
                                 bool fortran_order, std::string_view data,
                                 const std::string& source,
                                 std::shared_ptr<const void> owner = nullptr,
                                 uint64_t data_offset = 0);

NpyHeader parse_npy_header(std::string_view bytes, const std::string& source);

// Reads a whole .npy held in memory. When `owner` keeps `bytes` alive,
// aligned native-order data becomes a zero-copy tensor sharing them.
NpyArray read_npy(std::string_view bytes, const std::string& source,
                  std::shared_ptr<const void> owner, const UnpickleOptions& options = {});
// The same without an owner: the tensor always gets a copy of the data.
inline NpyArray read_npy(std::string_view bytes, const std::string& source,
                         const UnpickleOptions& options = {}) {
  return read_npy(bytes, source, nullptr, options);
}

// Maps the file (zero copy where possible); messages name the file.
NpyArray load_npy(const std::filesystem::path& path, const UnpickleOptions& options = {});

// The members of an .npz (np.savez or np.savez_compressed) in archive order,
// keyed without the ".npy" suffix. Messages name "file.npz:member". Every
// member's CRC is checked.
std::vector<std::pair<std::string, NpyArray>> load_npz(const std::filesystem::path& path,
                                                       const UnpickleOptions& options = {});
std::vector<std::pair<std::string, NpyArray>> read_npz(const ZipReader& zip,
                                                       const UnpickleOptions& options = {});

// Writes `tensor` (moved to the CPU, C order) as NumPy does: a version 1.0
// header padded with spaces and a final '\n' so the data starts at a
// multiple of 64 bytes. Supports float16/32/64, int8/16/32/64, uint8, bool,
// complex64/128.
void write_npy(std::ostream& out, const at::Tensor& tensor);
// write_npy into `path` atomically.
void save_npy(const std::filesystem::path& path, const at::Tensor& tensor);

} // namespace drig::formats
