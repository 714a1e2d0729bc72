#pragma once

// DiffusionRig's LMDB dataset exactly as create_data.py writes it and
// image_datasets.py reads it (facts: ../shared/reference/lmdb/README.md):
// one unnamed DB; per sample i the keys albedo_/normal_/rendered_/image_
// followed by the 6-digit zero-padded index; tensors pickled with protocol
// 4 around a legacy torch.save stream ("cpu"); images as 8-bit RGB PNG;
// "length" as ASCII decimal; mean_shape.pkl beside data.mdb.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace drig::datasets {

// "image_000042"; longer past 999999, as the original's zfill(6).
std::string sample_key(const std::string& kind, int64_t index);

struct Sample {
  at::Tensor image;    // (3,H,W) float32 in [-1,1]: (u8/255 - 0.5)/0.5, as ToTensor+Normalize
  at::Tensor normal;   // (3,H,W) float32 as stored
  at::Tensor albedo;   // (3,H,W)
  at::Tensor rendered; // (3,H,W)
  at::Tensor image_u8; // (H,W,3) uint8: the decoded PNG
};

// Reads ours and the original's datasets (read-only, no lock file written,
// so a dataset on a read-only disk or in use by a training works).
class DatasetReader {
public:
  // Throws Error naming the folder when it is not such a dataset.
  explicit DatasetReader(const std::filesystem::path& folder);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;

  int64_t size() const { return length_; }
  // Error naming the key for a missing or malformed value.
  Sample sample(int64_t index) const;
  // The raw bytes of a key, or nullopt.
  std::optional<std::string> raw(const std::string& key) const;
  const std::filesystem::path& folder() const { return folder_; }

private:
  struct Env;
  std::unique_ptr<Env> env_;
  std::filesystem::path folder_;
  int64_t length_ = 0;
};

// Writes one sample per transaction in the original's put order (albedo,
// normal, rendered, image), growing the map when it fills, so an interrupted
// run keeps every finished sample. `length` is written by finish().
class DatasetWriter {
public:
  // Creates or reopens `folder` (an LMDB directory).
  explicit DatasetWriter(const std::filesystem::path& folder);
  ~DatasetWriter();

  // Samples already complete (all four keys) from 0 upwards: where a resumed
  // run continues.
  int64_t complete_samples() const;
  // albedo/normal/rendered (3,H,W) float; image_rgb (H,W,3) uint8.
  void put(int64_t index, const at::Tensor& albedo, const at::Tensor& normal,
           const at::Tensor& rendered, const at::Tensor& image_rgb);
  void finish(int64_t length);

private:
  struct Env;
  std::unique_ptr<Env> env_;
  std::filesystem::path folder_;
};

} // namespace drig::datasets
