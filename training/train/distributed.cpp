#include "training/train/distributed.h"

#include "model/base/error.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <string>

#if DRIG_HAVE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace drig::training {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback, int lo, int hi) {
  const char* v = env(name);
  if (!v)
    return fallback;
  try {
    size_t used = 0;
    const int x = std::stoi(v, &used);
    if (used == std::string(v).size() && x >= lo && x <= hi)
      return x;
  } catch (const std::exception&) {
  }
  throw Error(fmt::format("the environment variable {}='{}' is not an integer in [{}, {}]", name, v,
                          lo, hi));
}

} // namespace

DistributedEnv DistributedEnv::from_environment() {
  DistributedEnv e;
  // torchrun's names first, then Open MPI's.
  const bool mpi = !env("WORLD_SIZE") && env("OMPI_COMM_WORLD_SIZE");
  e.world_size = env_int(mpi ? "OMPI_COMM_WORLD_SIZE" : "WORLD_SIZE", 1, 1, 1 << 20);
  e.rank = env_int(mpi ? "OMPI_COMM_WORLD_RANK" : "RANK", 0, 0, e.world_size - 1);
  e.local_rank = env_int(mpi ? "OMPI_COMM_WORLD_LOCAL_RANK" : "LOCAL_RANK", 0, 0, 1 << 16);
  if (const char* addr = env("MASTER_ADDR"))
    e.master_addr = addr;
  e.master_port = env_int("MASTER_PORT", e.master_port, 1, 65535);
  return e;
}

#if DRIG_HAVE_C10D_GLOO

bool distributed_supported() {
  return true;
}

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  int rank = 0, size = 1;

  // One contiguous float32 CPU buffer holding all tensors.
  static at::Tensor flatten(const std::vector<at::Tensor>& tensors) {
    std::vector<at::Tensor> parts;
    parts.reserve(tensors.size());
    for (const auto& t : tensors)
      parts.push_back(t.detach().reshape({-1}).to(at::kCPU, at::kFloat));
    return at::cat(parts);
  }
  static void unflatten(const at::Tensor& flat, std::vector<at::Tensor>& tensors) {
    int64_t offset = 0;
    for (auto& t : tensors) {
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
  void run(const char* what, const c10::intrusive_ptr<c10d::Work>& work) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw Error(fmt::format("distributed {} failed on rank {} of {}: {} (did another rank stop "
                              "or fail? see its output)",
                              what, rank, size, e.what()));
    }
  }
};

ProcessGroup::ProcessGroup(const DistributedEnv& env, std::chrono::seconds timeout)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.rank = env.rank;
  m.size = env.world_size;
  try {
    c10d::TCPStoreOptions store;
    store.port = uint16_t(env.master_port);
    store.isServer = env.rank == 0;
    store.numWorkers = size_t(env.world_size);
    store.waitWorkers = true;
    store.timeout = timeout;
    m.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface)
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    else if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost")
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    m.group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(m.store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {} could not join the process group at {}:{}: {}", env.rank,
                            env.world_size, env.master_addr, env.master_port, e.what()));
  }
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const {
  return impl_->rank;
}
int ProcessGroup::size() const {
  return impl_->size;
}

void ProcessGroup::average(std::vector<at::Tensor>& tensors) {
  if (tensors.empty())
    return;
  std::vector<at::Tensor> flat{Impl::flatten(tensors)};
  impl_->run("gradient all-reduce", impl_->group->allreduce(flat));
  flat[0].div_(double(impl_->size));
  Impl::unflatten(flat[0], tensors);
}

void ProcessGroup::broadcast(std::vector<at::Tensor>& tensors) {
  if (tensors.empty())
    return;
  std::vector<at::Tensor> flat{Impl::flatten(tensors)};
  c10d::BroadcastOptions options;
  options.rootRank = 0;
  impl_->run("broadcast", impl_->group->broadcast(flat, options));
  Impl::unflatten(flat[0], tensors);
}

double ProcessGroup::mean(double value) {
  std::vector<at::Tensor> v{at::full({1}, value, at::kDouble)};
  impl_->run("all-reduce", impl_->group->allreduce(v));
  return v[0].item<double>() / impl_->size;
}

bool ProcessGroup::any(bool flag) {
  std::vector<at::Tensor> v{at::full({1}, flag ? 1 : 0, at::kInt)};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  impl_->run("stop vote", impl_->group->allreduce(v, options));
  return v[0].item<int>() != 0;
}

#else // no c10d/Gloo headers in this LibTorch

bool distributed_supported() {
  return false;
}

struct ProcessGroup::Impl {};

ProcessGroup::ProcessGroup(const DistributedEnv& env, std::chrono::seconds) {
  throw Error(fmt::format("WORLD_SIZE={} asks for distributed training, but this build has no "
                          "c10d/Gloo (build with the Gloo headers: Debian's libgloo-dev)",
                          env.world_size));
}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const {
  return 0;
}
int ProcessGroup::size() const {
  return 1;
}
void ProcessGroup::average(std::vector<at::Tensor>&) {}
void ProcessGroup::broadcast(std::vector<at::Tensor>&) {}
double ProcessGroup::mean(double value) {
  return value;
}
bool ProcessGroup::any(bool flag) {
  return flag;
}

#endif

} // namespace drig::training
