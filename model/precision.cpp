#include "model/precision.h"

#include "model/base/error.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>

namespace drig {
namespace {

// LibTorch 2.4 replaced the per-device autocast functions with ones taking a
// device type; the old ones are deprecated there.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(c10::DeviceType type) {
  return at::autocast::is_autocast_enabled(type);
}
void set_autocast(c10::DeviceType type, bool on) {
  at::autocast::set_autocast_enabled(type, on);
}
c10::ScalarType autocast_dtype(c10::DeviceType type) {
  return at::autocast::get_autocast_dtype(type);
}
void set_autocast_dtype(c10::DeviceType type, c10::ScalarType dtype) {
  at::autocast::set_autocast_dtype(type, dtype);
}
#else
bool autocast_enabled(c10::DeviceType type) {
  return type == c10::DeviceType::CUDA ? at::autocast::is_enabled()
                                       : at::autocast::is_cpu_enabled();
}
void set_autocast(c10::DeviceType type, bool on) {
  if (type == c10::DeviceType::CUDA)
    at::autocast::set_enabled(on);
  else
    at::autocast::set_cpu_enabled(on);
}
c10::ScalarType autocast_dtype(c10::DeviceType type) {
  return type == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                       : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast_dtype(c10::DeviceType type, c10::ScalarType dtype) {
  if (type == c10::DeviceType::CUDA)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
}
#endif

} // namespace

Precision parse_precision(const std::string& text) {
  if (text == "fp32" || text == "float32")
    return Precision::fp32;
  if (text == "fp16" || text == "half" || text == "float16")
    return Precision::fp16;
  if (text == "bf16" || text == "bfloat16")
    return Precision::bf16;
  fail("unknown precision \"{}\" (use fp32, fp16, bf16 or auto)", text);
}

bool cpu_has_native_bf16() {
  // For tests of the refusal on machines that have it.
  if (const char* off = std::getenv("DRIG_CPU_NO_BF16"); off && *off && *off != '0')
    return false;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return false;
  const bool amx_bf16 = (d >> 22) & 1u;
  const unsigned max_subleaf = a;
  bool avx512_bf16 = false;
  if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d))
    avx512_bf16 = (a >> 5) & 1u;
  return avx512_bf16 || amx_bf16;
#elif defined(__aarch64__)
  return false; // oneDNN's aarch64 bf16 paths are not measured here
#else
  return false;
#endif
}

Precision resolve_precision(const std::string& text, const c10::Device& device) {
  if (text != "auto")
    return parse_precision(text);
  if (device.is_cpu() && cpu_has_native_bf16())
    return Precision::bf16;
  return Precision::fp32;
}

std::string to_string(Precision precision) {
  switch (precision) {
  case Precision::fp16:
    return "fp16";
  case Precision::bf16:
    return "bf16";
  default:
    return "fp32";
  }
}

void check_precision(Precision precision, const c10::Device& device) {
  DRIG_CHECK(device.is_cpu() || device.is_cuda(), "mixed precision needs a CPU or CUDA device");
  DRIG_CHECK(!(precision == Precision::fp16 && device.is_cpu()),
             "fp16 runs on CUDA only; use bf16 or fp32 on the CPU");
  DRIG_CHECK(!(precision == Precision::bf16 && device.is_cpu() && !cpu_has_native_bf16()),
             "bf16 on this CPU would be emulated (it has neither AVX512-BF16 nor AMX) and run "
             "slower than fp32; use fp32, or auto to pick the fastest native precision");
}

AutocastScope::AutocastScope(const c10::Device& device, Precision precision) {
  if (precision == Precision::fp32)
    return;
  check_precision(precision, device);
  type_ = device.type();
  was_enabled_ = autocast_enabled(type_);
  previous_dtype_ = autocast_dtype(type_);
  set_autocast(type_, true);
  set_autocast_dtype(type_, precision == Precision::fp16 ? c10::ScalarType::Half
                                                         : c10::ScalarType::BFloat16);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_)
    return;
  if (at::autocast::decrement_nesting() == 0)
    at::autocast::clear_cache();
  set_autocast(type_, was_enabled_);
  set_autocast_dtype(type_, previous_dtype_);
}

} // namespace drig
