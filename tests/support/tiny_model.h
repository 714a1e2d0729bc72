#pragma once

// The reference fixtures' tiny DiffusionRig (32², 12 M parameters), shared by
// the model tests, and the skip for tests that need CUDA.
#include "model/device.h"
#include "model/diffusionrig_config.h"

#include <torch/cuda.h>

#include <memory>

namespace drig::networks {
struct DiffusionRigImpl;
}

namespace drig::test {

// The tiny fixture's architecture (image 32, 32 channels, one ResBlock per
// level, channel_mult 1,2, attention at 16², latent 16), dropout 0.
DiffusionRigConfig tiny_architecture();

// tiny/model000000.pt loaded strictly, with tiny/config.json applied (dropout
// 0, as the fixtures were made); in train mode, on the CPU.
std::shared_ptr<networks::DiffusionRigImpl> tiny_fixture_model();

} // namespace drig::test

#define REQUIRE_CUDA()                                                                             \
  do {                                                                                             \
    if (!torch::cuda::is_available())                                                              \
      GTEST_SKIP() << "no CUDA device (this LibTorch build: "                                      \
                   << (drig::torch_runtime_info().built_with_cuda ? "CUDA" : "CPU-only") << ")";   \
  } while (false)
