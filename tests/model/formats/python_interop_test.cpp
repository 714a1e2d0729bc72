// Our checkpoints through Python's torch.load, and Python's through ours
// (runs when /usr/bin/python3 has torch: Debian's python3-torch).
#include "model/formats/npy.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using namespace drig::formats;

namespace {

// DRIG_PYTHON picks another interpreter (e.g. a newer PyTorch on a GPU machine).
const std::string kPython =
    std::getenv("DRIG_PYTHON") ? std::getenv("DRIG_PYTHON") : "/usr/bin/python3";

std::string script() {
  return (fs::path(DRIG_SOURCE_DIR) / "tests/model/formats/torch_interop.py").string();
}

bool python_has_torch() {
  static const bool has =
      drig::test::run_command(kPython + " -c 'import torch' 2>/dev/null").exit_code == 0;
  return has;
}

#define REQUIRE_PYTHON_TORCH()                                                                     \
  do {                                                                                             \
    if (!python_has_torch())                                                                       \
      GTEST_SKIP() << kPython << " has no torch (apt-get install python3-torch)";                  \
  } while (false)

// Loads `checkpoint` with Python and checks every tensor equals ours.
void expect_python_reads_the_same(const fs::path& checkpoint, const NamedTensors& ours,
                                  const fs::path& scratch) {
  const auto result =
      drig::test::run_command(kPython + " " + script() + " load '" + checkpoint.string() + "' '" +
                              scratch.string() + "' 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  for (const auto& [key, tensor] : ours) {
    SCOPED_TRACE(key);
    const NpyArray python = load_npy(scratch / (key + ".npy"));
    at::Tensor expected = tensor.scalar_type() == at::kBFloat16 ? tensor.to(at::kFloat) : tensor;
    ASSERT_EQ(python.tensor.sizes(), expected.sizes());
    EXPECT_TRUE(torch::equal(python.tensor, expected.contiguous()));
  }
}

} // namespace

TEST(PythonInterop, PythonLoadsOurCheckpointsIntoAModule) {
  REQUIRE_PYTHON_TORCH();
  drig::test::TempDir dir("interop-ours");
  torch::manual_seed(1);
  const at::Tensor shared = torch::randn({3, 4});
  const NamedTensors tensors = {
      {"linear.weight", torch::randn({2, 3})},
      {"linear.bias", torch::randn({2})},
      {"shared", shared},
      {"shared_t", shared.t()},
      {"shared_row", shared[1]},
      {"half", torch::randn({4}).to(at::kHalf)},
      {"bf16", torch::randn({4}).to(at::kBFloat16)},
      {"steps", torch::tensor(int64_t{12345678901})},
      {"mask", torch::tensor({true, false})},
  };
  save_state_dict(dir / "ours.pt", tensors);
  expect_python_reads_the_same(dir / "ours.pt", tensors, dir / "out");
}

TEST(PythonInterop, WeReadWhatPythonWritesInBothFormats) {
  REQUIRE_PYTHON_TORCH();
  drig::test::TempDir dir("interop-python");
  const auto result = drig::test::run_command(kPython + " " + script() + " write '" +
                                              dir.path().string() + "' 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  for (const char* file : {"python_zip.pt", "python_legacy.pt"}) {
    SCOPED_TRACE(file);
    const TorchCheckpoint ckpt = load_torch_checkpoint(dir / file);
    const NamedTensors tensors = state_dict_tensors(*ckpt.root, file);
    ASSERT_EQ(tensors.size(), 11u);
    for (const auto& [key, tensor] : tensors) {
      SCOPED_TRACE(key);
      const NpyArray expected = load_npy(dir / "expected" / (key + ".npy"));
      const at::Tensor ours =
          tensor.scalar_type() == at::kBFloat16 ? tensor.to(at::kFloat) : tensor;
      EXPECT_TRUE(torch::equal(ours.contiguous(), expected.tensor));
    }
    // Views keep sharing their storage.
    EXPECT_EQ(tensors[0].second.storage().unsafeGetStorageImpl(),
              tensors[1].second.storage().unsafeGetStorageImpl());
  }
}

TEST(PythonInterop, PythonAndWeAgreeOnEveryReferenceCheckpoint) {
  REQUIRE_PYTHON_TORCH();
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dir("interop-fixtures");
  for (const char* name : {"tiny/model000000.pt", "tiny/model000000_legacy.pt"}) {
    SCOPED_TRACE(name);
    const fs::path file = drig::test::extracted_fixture(name);
    const NamedTensors ours = state_dict_tensors(*load_torch_checkpoint(file).root, name);
    const fs::path out = dir / fs::path(name).stem().string();
    expect_python_reads_the_same(file, ours, out);
  }
}
