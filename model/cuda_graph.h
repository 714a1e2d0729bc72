#pragma once

// A fixed-shape forward pass captured once into a CUDA graph and replayed at
// every DDIM step: one launch instead of ~1000 kernel launches per step,
// which is what bounds a 256² batch-1 step on a fast GPU.
#include "model/precision.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace drig {

using GraphableForward = std::function<at::Tensor(
    const at::Tensor& x, const at::Tensor& t, const at::Tensor& physic, const at::Tensor& cond)>;

// Compiled in (a CUDA LibTorch and DRIG_CUDA_GRAPHS) and not switched off
// with the environment variable DRIG_CUDA_GRAPHS=0.
bool cuda_graphs_enabled();

class CudaGraphForward {
public:
  // Warms up and captures `forward` for these shapes under the current
  // autocast state (its weight-cast cache off, so the casts are captured
  // too); throws Error when capture fails.
  CudaGraphForward(GraphableForward forward, const at::Tensor& x, const at::Tensor& t,
                   const at::Tensor& physic, const at::Tensor& cond, Precision precision);
  ~CudaGraphForward();
  CudaGraphForward(const CudaGraphForward&) = delete;
  CudaGraphForward& operator=(const CudaGraphForward&) = delete;

  bool matches(const at::Tensor& x, const at::Tensor& physic, const at::Tensor& cond,
               Precision precision) const;
  // Copies the inputs into the captured ones, replays, returns a copy of the output.
  at::Tensor run(const at::Tensor& x, const at::Tensor& t, const at::Tensor& physic,
                 const at::Tensor& cond);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig
