#pragma once

// Multi-process training over PyTorch's own collective engine (c10d). The
// processes find each other through the launcher's standard environment:
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) or
// mpirun (OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK with MASTER_ADDR and
// MASTER_PORT). Gradients are averaged on the CPU through Gloo, which every
// LibTorch build we target has; CUDA gradients are staged through the host.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace drig::training {

struct DistributedEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Reads the launcher's variables; a malformed one is an error naming it.
  static DistributedEnv from_environment();
  bool active() const { return world_size > 1; }
};

// Whether this build can run multi-process (c10d with Gloo was found).
bool distributed_supported();

class ProcessGroup {
public:
  // Blocks until all `env.world_size` processes joined (or `timeout`).
  ProcessGroup(const DistributedEnv& env, std::chrono::seconds timeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  // Replaces each tensor by its mean over the ranks (one flat float32
  // buffer per call: a single collective however many tensors).
  void average(std::vector<at::Tensor>& tensors);
  // Copies rank 0's values into every rank's tensors.
  void broadcast(std::vector<at::Tensor>& tensors);
  double mean(double value);
  // True on every rank when any rank passes true (cooperative stop).
  bool any(bool flag);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::training
