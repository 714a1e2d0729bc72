#pragma once

// Numeric precision of inference and training: fp32 everywhere, or mixed
// precision through LibTorch's autocast (fp16 on CUDA, bf16 on CUDA and CPU),
// with the original's fp32 islands (GroupNorm, softmax) kept.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace drig {

enum class Precision { fp32, fp16, bf16 };

// "fp32" | "fp16" | "bf16" (also "float32", "half", "bfloat16").
Precision parse_precision(const std::string& text);
// As parse_precision, and "auto": the fastest precision `device` runs
// natively (bf16 on CPUs with AVX512-BF16 or AMX, else fp32; fp32 on CUDA,
// where bf16 measured barely faster and fp32 keeps the fixtures' results).
Precision resolve_precision(const std::string& text, const c10::Device& device);

// The CPU computes bf16 dot products in hardware (AVX512-BF16 or AMX-BF16);
// without them oneDNN emulates bf16 and it runs slower than fp32.
bool cpu_has_native_bf16();
std::string to_string(Precision precision);

// Throws Error when `device` cannot run `precision` (fp16 autocast is CUDA
// only; bf16 on a CPU only where it is native, see cpu_has_native_bf16).
void check_precision(Precision precision, const c10::Device& device);

// Turns autocast on for `device` for its lifetime (nothing for fp32), and
// restores the previous state after; weight casts are cached while it lives.
class AutocastScope {
public:
  AutocastScope(const c10::Device& device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

private:
  bool active_ = false;
  c10::DeviceType type_ = c10::DeviceType::CPU;
  bool was_enabled_ = false;
  c10::ScalarType previous_dtype_ = c10::ScalarType::Float;
};

} // namespace drig
