#include "model/random.h"

#include "model/base/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Functions.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#ifdef DRIG_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

#include <cmath>
#include <map>

namespace drig {

at::Generator make_generator(uint64_t seed, const c10::Device& device) {
  if (device.is_cuda()) {
#ifdef DRIG_WITH_CUDA
    at::Generator gen = at::cuda::detail::createCUDAGenerator(device.index());
    gen.set_current_seed(seed);
    return gen;
#else
    throw Error("this build has no CUDA");
#endif
  }
  return at::detail::createCPUGenerator(seed);
}

struct GeneratorScope::State {
  uint64_t seed = 0;
  std::map<std::pair<int, int>, at::Generator> by_device;

  at::Generator& of(const c10::Device& device) {
    const std::pair<int, int> key{int(device.type()), int(device.index())};
    auto it = by_device.find(key);
    if (it == by_device.end())
      it = by_device.emplace(key, make_generator(seed, device)).first;
    return it->second;
  }
};

namespace {
thread_local GeneratorScope::State* current = nullptr;

c10::optional<at::Generator> scoped_for(const c10::Device& device) {
  if (current == nullptr)
    return c10::nullopt;
  return current->of(device);
}
} // namespace

GeneratorScope::GeneratorScope(uint64_t seed) : previous_(current), state_(new State) {
  state_->seed = seed;
  current = state_;
}

GeneratorScope::~GeneratorScope() {
  current = previous_;
  delete state_;
}

at::Tensor randn_like_scoped(const at::Tensor& like) {
  return at::randn(like.sizes(), scoped_for(like.device()), like.options());
}

at::Tensor dropout_scoped(const at::Tensor& x, double p) {
  if (p <= 0)
    return x;
  DRIG_CHECK(p < 1, "dropout probability must be below 1, got {}", p);
  const at::Tensor keep = at::empty_like(x).bernoulli_(1 - p, scoped_for(x.device()));
  return x * keep / (1 - p);
}

void initialize_weights(torch::nn::Module& module, uint64_t seed) {
  at::Generator gen = make_generator(seed);
  const auto redraw = [&gen](at::Tensor& w, int64_t fan_in) {
    // Drawn on the CPU, so CPU and GPU runs of one seed start alike.
    const double bound = 1.0 / std::sqrt(double(std::max<int64_t>(fan_in, 1)));
    at::Tensor fresh = at::empty(w.sizes(), at::kFloat).uniform_(-bound, bound, gen);
    w.copy_(fresh);
  };
  at::NoGradGuard no_grad;
  for (const auto& m : module.modules(/*include_self=*/true)) {
    at::Tensor weight, bias;
    if (auto* conv = m->as<torch::nn::Conv2dImpl>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* conv1 = m->as<torch::nn::Conv1dImpl>()) {
      weight = conv1->weight;
      bias = conv1->bias;
    } else if (auto* linear = m->as<torch::nn::LinearImpl>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    const int64_t fan_in = weight.numel() / weight.size(0);
    redraw(weight, fan_in);
    if (bias.defined())
      redraw(bias, fan_in);
  }
}

} // namespace drig
