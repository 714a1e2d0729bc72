// llama.cpp's test-backend-ops idea: the same op on CUDA and on the CPU must agree.
#include "model/device.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/tiny_model.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

TEST(GpuDevice, AutoSelectsCudaAndReportsTheGpu) {
  REQUIRE_CUDA();
  const c10::Device device = drig::resolve_device(drig::DeviceSpec::parse("auto"));
  EXPECT_TRUE(device.is_cuda());
  const auto info = drig::torch_runtime_info();
  ASSERT_FALSE(info.devices.empty());
  EXPECT_FALSE(info.devices[0].name.empty());
  EXPECT_GT(info.devices[0].total_memory_bytes, int64_t(1) << 30);
  EXPECT_NE(drig::describe_device(device).find(info.devices[0].name), std::string::npos);
}

TEST(GpuDevice, ConvolutionMatchesCpu) {
  REQUIRE_CUDA();
  torch::manual_seed(0);
  const auto x = torch::randn({2, 16, 32, 32});
  const auto w = torch::randn({32, 16, 3, 3}) * 0.1;
  const auto cpu = torch::conv2d(x, w, {}, 1, 1);
  const c10::Device cuda = drig::resolve_device(drig::DeviceSpec::parse("cuda:0"));
  // TF32 would loosen the comparison; the reference numbers are fp32.
  at::globalContext().setAllowTF32CuDNN(false);
  const auto gpu = torch::conv2d(x.to(cuda), w.to(cuda), {}, 1, 1);
  EXPECT_TENSOR_NEAR(gpu.cpu(), cpu, 1e-4, 1e-4);
}
