#pragma once

// Deliberately free of <torch/torch.h>: included by the CLI and the GUI.
#include "model/base/options.h"

#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace drig {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int64_t total_memory_bytes = 0;
  int major = 0, minor = 0; // compute capability
};

struct TorchRuntimeInfo {
  std::string libtorch_version;
  bool built_with_cuda = false; // this binary was linked against a CUDA LibTorch
  bool cuda_available = false;  // ... and a usable GPU is present now
  bool cudnn_available = false;
  std::string cuda_version;  // runtime, e.g. "12.4" (empty without CUDA)
  std::string cudnn_version; // e.g. "90100"
  int intra_op_threads = 0;
  std::vector<CudaDeviceInfo> devices;
};

TorchRuntimeInfo torch_runtime_info();

// Resolves auto/cpu/cuda[:N] to a concrete device: auto picks CUDA when a GPU
// is usable. Throws Error when CUDA is asked for but absent or N is out of range.
c10::Device resolve_device(const DeviceSpec& spec);

// Physical cores this process may use (hyper-threads of one core count once).
int physical_core_count();

// Sets LibTorch's intra-op threads (0 = the physical cores; Debian's build
// starts at 1), and configure_cpu_allocator() once.
void configure_torch_threads(int threads);

// Keeps large freed tensors in the process's heap instead of returning them
// to the kernel (glibc only; DRIG_HEAP_REUSE=0 switches it off). A 256² UNet
// step allocates tens of MB per layer; glibc maps each afresh and unmaps it
// on free, so every step page-faulted its whole working set again: that was
// two thirds of a CPU step (see docs/user-guide.md, CPU speed).
void configure_cpu_allocator();

// "CUDA 0: NVIDIA H100 (80 GiB)" or "CPU (2 threads)" for status bars and logs.
std::string describe_device(const c10::Device& device);

} // namespace drig
