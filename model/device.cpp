#include "model/device.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "model/base/thread_pool.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#ifdef DRIG_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>
#endif

#include <fmt/format.h>

#include <sched.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>
#include <utility>

namespace drig {

TorchRuntimeInfo torch_runtime_info() {
  TorchRuntimeInfo info;
  info.libtorch_version = TORCH_VERSION;
  info.intra_op_threads = at::get_num_threads();
#ifdef DRIG_WITH_CUDA
  info.built_with_cuda = true;
  info.cuda_available = torch::cuda::is_available();
  if (info.cuda_available) {
    info.cudnn_available = torch::cuda::cudnn_is_available();
    int runtime = 0;
    if (cudaRuntimeGetVersion(&runtime) == cudaSuccess)
      info.cuda_version = fmt::format("{}.{}", runtime / 1000, (runtime % 1000) / 10);
    if (info.cudnn_available)
      info.cudnn_version = std::to_string(at::detail::getCUDAHooks().versionCuDNN());
    const int count = static_cast<int>(torch::cuda::device_count());
    for (int i = 0; i < count; ++i) {
      const cudaDeviceProp* prop = at::cuda::getDeviceProperties(i);
      info.devices.push_back(CudaDeviceInfo{
          i, prop->name, static_cast<int64_t>(prop->totalGlobalMem), prop->major, prop->minor});
    }
  }
#endif
  return info;
}

c10::Device resolve_device(const DeviceSpec& spec) {
  const bool cuda = torch::cuda::is_available();
  switch (spec.kind) {
  case DeviceSpec::Kind::Cpu:
    return c10::Device(c10::kCPU);
  case DeviceSpec::Kind::Auto:
    return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  case DeviceSpec::Kind::Cuda: {
    if (!cuda)
      fail("--device {}: no usable CUDA GPU ({}); use --device cpu or auto", spec.to_string(),
           torch_runtime_info().built_with_cuda
               ? "none found by the driver"
               : "this build uses a CPU-only LibTorch, see README 'GPU set-up'");
    const int count = static_cast<int>(torch::cuda::device_count());
    const int index = spec.index < 0 ? 0 : spec.index;
    DRIG_CHECK(index < count, "--device {}: only {} CUDA device(s) present", spec.to_string(),
               count);
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  }
  return c10::Device(c10::kCPU);
}

int physical_core_count() {
  // Cores this process may run on, counted once per (package, core): a
  // second hyper-thread of a core adds no matrix units, and oneDNN's
  // kernels slow down when two threads share them.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    return default_thread_count();
  std::set<std::pair<int, int>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed))
      continue;
    const auto read_int = [cpu](const char* name) {
      std::ifstream in(fmt::format("/sys/devices/system/cpu/cpu{}/topology/{}", cpu, name));
      int value = -1;
      in >> value;
      return in ? value : -1;
    };
    const int package = read_int("physical_package_id"), core = read_int("core_id");
    if (package < 0 || core < 0) // no topology (some containers): every allowed CPU
      return CPU_COUNT(&allowed);
    cores.emplace(package, core);
  }
  return cores.empty() ? default_thread_count() : int(cores.size());
}

void configure_cpu_allocator() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    if (!env_switch_on("DRIG_HEAP_REUSE"))
      return;
    mallopt(M_MMAP_MAX, 0);
    // Freed memory above 1 GiB at the heap's top still goes back, so an idle
    // Studio does not keep a sampling run's peak forever.
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
#endif
}

void configure_torch_threads(int threads) {
  configure_cpu_allocator();
  const int count = threads > 0 ? threads : physical_core_count();
  at::set_num_threads(count);
}

std::string describe_device(const c10::Device& device) {
  if (device.is_cuda()) {
    for (const auto& gpu : torch_runtime_info().devices)
      if (gpu.index == device.index() || (device.index() < 0 && gpu.index == 0))
        return fmt::format("CUDA {}: {} ({:.0f} GiB)", gpu.index, gpu.name,
                           double(gpu.total_memory_bytes) / double(1ull << 30));
    return fmt::format("CUDA {}", device.index());
  }
  return fmt::format("CPU ({} threads)", at::get_num_threads());
}

} // namespace drig
