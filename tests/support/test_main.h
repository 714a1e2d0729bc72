#pragma once

// The one main() of every GoogleTest binary (tests/support/test_main.cpp).
// Before any case runs it fixes the C and C++ locales to "C" (so parsing and
// printing numbers never depends on the machine), and before each case it
// resets std::rand and every generator registered here to kTestSeed, so a
// case draws the same numbers alone (--gtest_filter) as in its binary.
namespace drig::test {

constexpr unsigned kTestSeed = 20230618;

// A hook the main calls once before the cases (`process`) and before each
// case (`each_case`); the LibTorch part (test_main_torch.cpp) registers one
// that sets the thread count and reseeds LibTorch's default generator.
struct TestMainHooks {
  void (*process)() = nullptr;
  void (*each_case)() = nullptr;
};
bool register_test_main_hooks(TestMainHooks hooks);

} // namespace drig::test
