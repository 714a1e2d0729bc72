#include "training/train/train_data.h"

#include "model/base/error.h"
#include "training/datasets/lmdb_dataset.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <vector>

namespace drig::training {

uint64_t step_seed(uint64_t seed, int64_t step, uint64_t stream) {
  // splitmix64 over the three values.
  uint64_t x = seed ^ (uint64_t(step) * 0x9E3779B97F4A7C15ull) ^ (stream * 0xBF58476D1CE4E5B9ull);
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

struct BatchSource::Impl {
  datasets::DatasetReader reader;
  int stage = 2, batch_size = 1;
  uint64_t seed = 0;
  at::Tensor images, buffers; // stage 2: everything, (N,3,H,W) and (N,9,H,W)
  int64_t image_size = 0;

  Impl(const std::filesystem::path& lmdb) : reader(lmdb) {}

  std::pair<at::Tensor, at::Tensor> load(int64_t i) const {
    const datasets::Sample s = reader.sample(i);
    return {s.image, at::cat({s.rendered, s.normal, s.albedo}, 0)};
  }
};

BatchSource::BatchSource(const std::filesystem::path& lmdb, int stage, int batch_size,
                         uint64_t seed)
    : impl_(std::make_unique<Impl>(lmdb)) {
  Impl& m = *impl_;
  m.stage = stage;
  m.batch_size = batch_size;
  m.seed = seed;
  const int64_t n = m.reader.size();
  DRIG_CHECK(n > 0, "{}: the dataset is empty", lmdb.string());
  DRIG_CHECK(batch_size >= 1 && batch_size <= n,
             "batch size {} needs at least that many samples; {} has {}", batch_size, lmdb.string(),
             n);
  m.image_size = m.load(0).first.size(1);
  if (stage == 2) {
    std::vector<at::Tensor> images, buffers;
    for (int64_t i = 0; i < n; ++i) {
      auto [image, buffer] = m.load(i);
      images.push_back(image);
      buffers.push_back(buffer);
    }
    m.images = at::stack(images);
    m.buffers = at::stack(buffers);
  }
}

BatchSource::~BatchSource() = default;
int64_t BatchSource::size() const {
  return impl_->reader.size();
}
int64_t BatchSource::image_size() const {
  return impl_->image_size;
}

Batch BatchSource::first(int64_t count) const {
  const Impl& m = *impl_;
  std::vector<at::Tensor> images, buffers;
  for (int64_t i = 0; i < std::min(count, m.reader.size()); ++i) {
    auto [image, buffer] = m.load(i);
    images.push_back(image);
    buffers.push_back(buffer);
  }
  return {at::stack(images), at::stack(buffers)};
}

Batch BatchSource::batch(int64_t step, int part, int parts) const {
  const Impl& m = *impl_;
  const int64_t n = m.reader.size(), b = m.batch_size;
  DRIG_CHECK(parts >= 1 && part >= 0 && part < parts && b % parts == 0,
             "a batch of {} does not split into {} equal parts", b, parts);
  const int64_t slice = b / parts, first = part * slice;
  if (m.stage == 2) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(step_seed(m.seed, step, 1));
    const at::Tensor pick = at::randperm(n, gen, at::kLong).narrow(0, first, slice);
    return {m.images.index_select(0, pick), m.buffers.index_select(0, pick)};
  }
  const int64_t per_epoch = n / b; // drop_last
  const int64_t epoch = step / per_epoch, within = step % per_epoch;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(step_seed(m.seed, epoch, 2));
  const at::Tensor order = at::randperm(n, gen, at::kLong);
  std::vector<at::Tensor> images, buffers;
  for (int64_t k = first; k < first + slice; ++k) {
    auto [image, buffer] = m.load(order[within * b + k].item<int64_t>());
    images.push_back(image);
    buffers.push_back(buffer);
  }
  return {at::stack(images), at::stack(buffers)};
}

} // namespace drig::training
