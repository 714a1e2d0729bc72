#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>

namespace drig::training {

struct Batch {
  at::Tensor images;  // (B,3,H,W) in [-1,1]
  at::Tensor buffers; // (B,9,H,W): rendered | normal | albedo
};

// Batches as the original draws them, as a pure function of the step, so a
// resumed run sees the same data.
class BatchSource {
public:
  // stage 2: the whole dataset in memory, each batch an independent draw
  // without replacement; stage 1: shuffled epochs, last partial batch dropped.
  // `batch_size` is the global batch (over all ranks of a distributed run).
  BatchSource(const std::filesystem::path& lmdb, int stage, int batch_size, uint64_t seed);
  ~BatchSource();
  // Part `part` of `parts` equal slices of the step's global batch: a rank
  // of a distributed run loads (stage 1) only its own samples.
  Batch batch(int64_t step, int part = 0, int parts = 1) const;
  // The first `count` samples in dataset order (training previews).
  Batch first(int64_t count) const;
  int64_t size() const;
  int64_t image_size() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A generator seed for (seed, step, stream), well mixed.
uint64_t step_seed(uint64_t seed, int64_t step, uint64_t stream);

} // namespace drig::training
