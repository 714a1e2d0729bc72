// Our checkpoints through Python's torch.load, and Python's through ours
// (runs when /usr/bin/python3 has torch: Debian's python3-torch).
#include "model/formats/npy.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using namespace drig::formats;

namespace {

// DRIG_PYTHON picks another interpreter (e.g. a newer PyTorch on a GPU machine).
const std::string kPython =
    std::getenv("DRIG_PYTHON") ? std::getenv("DRIG_PYTHON") : "/usr/bin/python3";

std::string script() {
  return (drig::test::source_dir() / "tests/model/formats/torch_interop.py").string();
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

TEST(PythonInterop, PythonLoadsOurAdamStateIntoTorchOptimAdam) {
  REQUIRE_PYTHON_TORCH();
  drig::test::TempDir dir("interop-adam");
  torch::manual_seed(2);
  const std::vector<at::Tensor> moments = {torch::randn({2, 3}), torch::rand({2, 3}),
                                           torch::randn({2}), torch::rand({2})};
  auto state = make_value(PickleValue::Kind::Dict);
  for (int i = 0; i < 2; ++i) {
    auto entry = make_value(PickleValue::Kind::Dict);
    entry->entries = {{make_string("step"), make_tensor(torch::tensor(5.0f + i))},
                      {make_string("exp_avg"), make_tensor(moments[2 * i])},
                      {make_string("exp_avg_sq"), make_tensor(moments[2 * i + 1])}};
    state->entries.emplace_back(make_int(i), entry);
  }
  auto betas = make_value(PickleValue::Kind::Tuple);
  betas->items = {make_float(0.9), make_float(0.999)};
  auto params = make_value(PickleValue::Kind::List);
  params->items = {make_int(0), make_int(1)};
  auto falsy = make_value(PickleValue::Kind::Bool);
  auto group = make_value(PickleValue::Kind::Dict);
  group->entries = {{make_string("lr"), make_float(1e-5)},
                    {make_string("betas"), betas},
                    {make_string("eps"), make_float(1e-8)},
                    {make_string("weight_decay"), make_float(0.0)},
                    {make_string("amsgrad"), falsy},
                    {make_string("foreach"), make_value(PickleValue::Kind::None)},
                    {make_string("params"), params}};
  auto groups = make_value(PickleValue::Kind::List);
  groups->items = {group};
  PickleValue root;
  root.kind = PickleValue::Kind::Dict;
  root.entries = {{make_string("state"), state}, {make_string("param_groups"), groups}};
  save_torch_object(dir / "opt000010.pt", root);

  const auto result = drig::test::run_command(kPython + " " + script() + " adam '" +
                                              (dir / "opt000010.pt").string() + "' '" +
                                              (dir / "out").string() + "' 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("1 6.0"), std::string::npos) << result.out;
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(load_npy(dir / "out" / fmt::format("exp_avg_{}.npy", i)).tensor,
                             moments[2 * i]));
    EXPECT_TRUE(torch::equal(load_npy(dir / "out" / fmt::format("exp_avg_sq_{}.npy", i)).tensor,
                             moments[2 * i + 1]));
  }
  // And our own reader gets the same tree back.
  const TorchCheckpoint back = load_torch_checkpoint(dir / "opt000010.pt");
  const PickleRef group_back = back.root->get("param_groups")->items[0];
  EXPECT_DOUBLE_EQ(group_back->get("lr")->real, 1e-5);
  EXPECT_EQ(group_back->get("betas")->items.size(), 2u);
}
