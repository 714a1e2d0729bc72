// The LibTorch part of the test main, linked into test binaries that use
// LibTorch: a fixed intra-op thread count (DRIG_TEST_THREADS, default 1), so
// a reduction sums in the same order on a 2-core CI machine and on a 16-core
// GPU box, and LibTorch's default generator reseeded before each case.
// Tests that time or need more threads set them themselves.
#include "model/device.h"
#include "tests/support/test_main.h"

#include <ATen/Context.h>

#include <cstdlib>

namespace {

const bool registered =
    drig::test::register_test_main_hooks({[] {
                                            const char* env = std::getenv("DRIG_TEST_THREADS");
                                            drig::configure_torch_threads(env ? std::atoi(env) : 1);
                                          },
                                          [] { at::manual_seed(drig::test::kTestSeed); }});

} // namespace
