#include "tests/support/tensor_compare.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>

namespace drig::test {

::testing::AssertionResult tensors_close(const torch::Tensor& actual, const torch::Tensor& expected,
                                         Tolerance tolerance) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << " differs from expected " << expected.sizes();
  const auto a = actual.detach().to(torch::kCPU, torch::kDouble);
  const auto e = expected.detach().to(torch::kCPU, torch::kDouble);
  if (a.numel() == 0)
    return ::testing::AssertionSuccess();
  const auto error = (a - e).abs();
  const auto allowed = tolerance.abs + tolerance.rel * e.abs();
  const auto excess = error - allowed;
  const int64_t worst = excess.flatten().argmax().item<int64_t>();
  if (excess.flatten()[worst].item<double>() <= 0 && !torch::isnan(a).any().item<bool>())
    return ::testing::AssertionSuccess();
  const int64_t bad = (excess > 0).sum().item<int64_t>();
  std::ostringstream where;
  where << bad << " of " << a.numel() << " values outside abs " << tolerance.abs << " + rel "
        << tolerance.rel << "; worst at flat index " << worst << ": actual "
        << a.flatten()[worst].item<double>() << ", expected " << e.flatten()[worst].item<double>()
        << " (max abs error " << error.max().item<double>() << ")";
  return ::testing::AssertionFailure() << where.str();
}

double psnr(const torch::Tensor& a, const torch::Tensor& b, double peak) {
  const double mse = (a.to(torch::kDouble) - b.to(torch::kDouble)).pow(2).mean().item<double>();
  if (mse == 0)
    return INFINITY;
  return 10.0 * std::log10(peak * peak / mse);
}

} // namespace drig::test
