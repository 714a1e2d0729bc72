#pragma once

#include "model/formats/pickle.h"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace drig::formats {

class MappedFile;

// A file written by Python's torch.save, read without Python: the object tree
// with every tensor as an at::Tensor (zero-copy views into the mapped file
// where alignment allows).
struct TorchCheckpoint {
  enum class Format { Zip, Legacy } format = Format::Zip;
  std::filesystem::path path;
  std::string archive_root; // zip: the record prefix, e.g. "archive" or "model"
  PickleRef root;
  std::shared_ptr<const MappedFile> file; // keeps zero-copy tensors valid
};

// Reads both torch.save formats: zip (torch >= 1.6) and legacy. Storages saved
// on CUDA are mapped to the CPU. Throws Error naming the file, the record or
// offset and the problem.
TorchCheckpoint load_torch_checkpoint(const std::filesystem::path& path);

// The legacy format from memory (nested blobs in landmark_embedding.npy).
PickleRef load_torch_legacy_bytes(std::string_view data, const UnpickleOptions& options);

// (name, tensor) pairs of a state_dict-like mapping in file order; throws when
// `dict` is not a dict of tensors.
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;
NamedTensors state_dict_tensors(const PickleValue& dict, const std::string& what);

// The torch storage class name ("FloatStorage") for a dtype and back.
at::ScalarType storage_scalar_type(const std::string& storage_class, const std::string& what);
std::string storage_class_name(at::ScalarType type);

} // namespace drig::formats
