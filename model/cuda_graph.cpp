#include "model/cuda_graph.h"

#include "model/base/error.h"
#include "model/base/paths.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>

#if defined(DRIG_WITH_CUDA) && defined(DRIG_CUDA_GRAPHS)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace drig {

bool cuda_graphs_enabled() {
#if defined(DRIG_WITH_CUDA) && defined(DRIG_CUDA_GRAPHS)
  return env_switch_on("DRIG_CUDA_GRAPHS");
#else
  return false;
#endif
}

struct CudaGraphForward::Impl {
  at::Tensor x, t, physic, cond, out;
  Precision precision = Precision::fp32;
#if defined(DRIG_WITH_CUDA) && defined(DRIG_CUDA_GRAPHS)
  at::cuda::CUDAGraph graph;
#endif
};

CudaGraphForward::CudaGraphForward(GraphableForward forward, const at::Tensor& x,
                                   const at::Tensor& t, const at::Tensor& physic,
                                   const at::Tensor& cond, Precision precision)
    : impl_(std::make_unique<Impl>()) {
#if defined(DRIG_WITH_CUDA) && defined(DRIG_CUDA_GRAPHS)
  DRIG_CHECK(x.is_cuda(), "CUDA graphs need CUDA tensors");
  Impl& g = *impl_;
  g.precision = precision;
  g.x = x.clone(at::MemoryFormat::Preserve);
  g.t = t.clone();
  g.physic = physic.clone(at::MemoryFormat::Preserve);
  g.cond = cond.clone();
  // Cached weight casts would live outside the graph's memory and be freed
  // when the autocast scope ends, under a graph that still reads them.
  const bool cache = at::autocast::is_autocast_cache_enabled();
  at::autocast::set_autocast_cache_enabled(false);
  try {
    // Capture must run on a side stream; warm-up there first, so lazy
    // initialisation (cuDNN plans, workspaces) happens outside the capture.
    c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
    stream.synchronize();
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      for (int i = 0; i < 2; ++i)
        forward(g.x, g.t, g.physic, g.cond);
      stream.synchronize();
      g.graph.capture_begin();
      g.out = forward(g.x, g.t, g.physic, g.cond);
      g.graph.capture_end();
    }
    stream.synchronize();
  } catch (const std::exception& e) {
    at::autocast::set_autocast_cache_enabled(cache);
    fail("CUDA graph capture failed: {}", e.what());
  }
  at::autocast::set_autocast_cache_enabled(cache);
#else
  (void)forward, (void)x, (void)t, (void)physic, (void)cond, (void)precision;
  fail("this build has no CUDA graphs");
#endif
}

CudaGraphForward::~CudaGraphForward() = default;

bool CudaGraphForward::matches(const at::Tensor& x, const at::Tensor& physic,
                               const at::Tensor& cond, Precision precision) const {
  const Impl& g = *impl_;
  return g.precision == precision && g.x.sizes() == x.sizes() &&
         g.physic.sizes() == physic.sizes() && g.cond.sizes() == cond.sizes() &&
         g.x.device() == x.device();
}

at::Tensor CudaGraphForward::run(const at::Tensor& x, const at::Tensor& t, const at::Tensor& physic,
                                 const at::Tensor& cond) {
#if defined(DRIG_WITH_CUDA) && defined(DRIG_CUDA_GRAPHS)
  Impl& g = *impl_;
  g.x.copy_(x);
  g.t.copy_(t);
  g.physic.copy_(physic);
  g.cond.copy_(cond);
  g.graph.replay();
  return g.out.clone();
#else
  (void)x, (void)t, (void)physic, (void)cond;
  fail("this build has no CUDA graphs");
#endif
}

} // namespace drig
