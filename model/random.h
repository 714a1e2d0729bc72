#pragma once

// Every job draws its random numbers from its own generator, seeded from the
// job's seed, never from LibTorch's process-wide one: the Studio runs a
// Generate and a Personalize at once, and a shared stream would make both
// depend on how their draws interleave.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace torch::nn {
class Module;
}

namespace drig {

// A fresh generator for `device` (CPU or CUDA) seeded with `seed`. A CPU one
// gives the same stream as torch.manual_seed(seed) followed by draws from the
// default generator, so results seeded before this existed stay the same.
at::Generator make_generator(uint64_t seed, const c10::Device& device = c10::Device(c10::kCPU));

// Draws deep inside a network (dropout) or a sampling loop (ancestral noise)
// use this thread's scoped generator for the tensor's device. Scopes nest.
class GeneratorScope {
public:
  // `seed` seeds one generator per device, made when first needed.
  explicit GeneratorScope(uint64_t seed);
  ~GeneratorScope();
  GeneratorScope(const GeneratorScope&) = delete;
  GeneratorScope& operator=(const GeneratorScope&) = delete;

  struct State;

private:
  State* previous_;
  State* state_;
};

// Standard normal noise shaped like `like`, from the scope's generator (the
// process-wide one outside any scope).
at::Tensor randn_like_scoped(const at::Tensor& like);
// In-place dropout mask for training: x * Bernoulli(1-p) / (1-p).
at::Tensor dropout_scoped(const at::Tensor& x, double p);

// Draws every Conv and Linear weight and bias from `seed` as LibTorch's own
// initialisation does (uniform in ±1/sqrt(fan_in)), so a model's initial
// weights depend on the run's seed only.
void initialize_weights(torch::nn::Module& module, uint64_t seed);

} // namespace drig
