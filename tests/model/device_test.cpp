#include "model/base/error.h"
#include "model/device.h"
#include "tests/support/tensor_compare.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <sched.h>

#include <fstream>
#include <thread>

TEST(Device, CpuAlwaysResolves) {
  EXPECT_EQ(drig::resolve_device(drig::DeviceSpec::parse("cpu")), c10::Device(c10::kCPU));
}

TEST(Device, AutoPicksCudaExactlyWhenAvailable) {
  const c10::Device device = drig::resolve_device(drig::DeviceSpec::parse("auto"));
  EXPECT_EQ(device.is_cuda(), torch::cuda::is_available());
}

TEST(Device, CudaWithoutGpuIsAClearError) {
  if (torch::cuda::is_available())
    GTEST_SKIP() << "a CUDA GPU is present";
  try {
    drig::resolve_device(drig::DeviceSpec::parse("cuda:0"));
    FAIL();
  } catch (const drig::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no usable CUDA GPU"), std::string::npos) << e.what();
  }
}

TEST(Device, ThreadCountIsApplied) {
  drig::configure_torch_threads(2);
  EXPECT_EQ(drig::torch_runtime_info().intra_op_threads, 2);
  drig::configure_torch_threads(0);
  EXPECT_EQ(drig::torch_runtime_info().intra_op_threads, drig::physical_core_count());
}

TEST(Device, PhysicalCoresAreTheAllowedCoresWithoutTheirSecondThreads) {
  const int cores = drig::physical_core_count();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // With one thread per core (this kind of machine), every CPU is a core.
  std::ifstream smt("/sys/devices/system/cpu/smt/active");
  int active = -1;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (smt >> active; active == 0 && sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    EXPECT_EQ(cores, CPU_COUNT(&allowed));
  }
}

TEST(Device, RuntimeInfoIsConsistent) {
  const drig::TorchRuntimeInfo info = drig::torch_runtime_info();
  EXPECT_FALSE(info.libtorch_version.empty());
  EXPECT_EQ(info.cuda_available, torch::cuda::is_available());
  EXPECT_EQ(info.devices.size(), info.cuda_available ? torch::cuda::device_count() : 0u);
}

TEST(TensorCompare, ReportsWhereAndHowMuch) {
  const auto a = torch::zeros({2, 3});
  auto b = a.clone();
  EXPECT_TRUE(drig::test::tensors_close(a, b, {1e-6}));
  b[1][2] = 0.5;
  const auto result = drig::test::tensors_close(a, b, {1e-3});
  ASSERT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("flat index 5"), std::string::npos)
      << result.message();
  EXPECT_FALSE(drig::test::tensors_close(a, torch::zeros({3, 2}), {1.0}));
  EXPECT_TRUE(drig::test::tensors_close(a, b, {0.0, 0.0}) == false);
  EXPECT_NEAR(drig::test::psnr(torch::zeros({4}), torch::full({4}, 0.1)), 20.0,
              1e-5); // 0.1 is not exact in float32
}
