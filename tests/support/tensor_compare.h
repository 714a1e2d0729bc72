#pragma once

#include <torch/types.h>

#include <gtest/gtest.h>

#include <string>

namespace drig::test {

struct Tolerance {
  double abs = 1e-5;
  double rel = 0.0;
};

// Passes when shapes match and |actual - expected| <= abs + rel * |expected|
// everywhere; otherwise says where the largest error is and how large.
::testing::AssertionResult tensors_close(const torch::Tensor& actual, const torch::Tensor& expected,
                                         Tolerance tolerance);

// Peak signal-to-noise ratio in dB of two images with values in [0, peak].
double psnr(const torch::Tensor& a, const torch::Tensor& b, double peak = 1.0);

} // namespace drig::test

#define EXPECT_TENSOR_NEAR(actual, expected, ...)                                                  \
  EXPECT_TRUE(                                                                                     \
      ::drig::test::tensors_close((actual), (expected), ::drig::test::Tolerance{__VA_ARGS__}))
