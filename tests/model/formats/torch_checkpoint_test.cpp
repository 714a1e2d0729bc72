#include "model/base/error.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::formats;
using K = PickleValue::Kind;

namespace {

struct KeyRow {
  std::string key, shape, dtype;
};

std::vector<KeyRow> read_keys_tsv(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line); // header
  std::vector<KeyRow> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    KeyRow row;
    std::getline(fields, row.key, '\t');
    std::getline(fields, row.shape, '\t');
    std::getline(fields, row.dtype, '\t');
    rows.push_back(row);
  }
  return rows;
}

std::string shape_string(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i)
    s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

std::string dtype_string(const at::Tensor& t) {
  switch (t.scalar_type()) {
  case at::kFloat:
    return "float32";
  case at::kLong:
    return "int64";
  default:
    return std::string(c10::toString(t.scalar_type()));
  }
}

} // namespace

TEST(TorchCheckpoint, TinyFixtureLoadsFromBothFormatsWithTheReferenceKeys) {
  DRIG_REQUIRE_SHARED();
  const auto rows = read_keys_tsv(drig::test::shared_dir() / "reference/diffusion/tiny/keys.tsv");
  ASSERT_EQ(rows.size(), 286u);
  const TorchCheckpoint zip =
      load_torch_checkpoint(drig::test::extracted_fixture("tiny/model000000.pt"));
  const TorchCheckpoint legacy =
      load_torch_checkpoint(drig::test::extracted_fixture("tiny/model000000_legacy.pt"));
  EXPECT_EQ(zip.format, TorchCheckpoint::Format::Zip);
  EXPECT_EQ(legacy.format, TorchCheckpoint::Format::Legacy);
  const NamedTensors a = state_dict_tensors(*zip.root, "zip");
  const NamedTensors b = state_dict_tensors(*legacy.root, "legacy");
  ASSERT_EQ(a.size(), rows.size());
  ASSERT_EQ(b.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].key);
    EXPECT_EQ(a[i].first, rows[i].key);
    EXPECT_EQ(b[i].first, rows[i].key);
    EXPECT_EQ(shape_string(a[i].second), rows[i].shape);
    EXPECT_EQ(dtype_string(a[i].second), rows[i].dtype);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second));
  }
  EXPECT_TRUE(zip.root->ordered);
}

TEST(TorchCheckpoint, DecaModelHasItsPartsAndMapsCudaStoragesToCpu) {
  DRIG_REQUIRE_SHARED();
  const TorchCheckpoint ckpt =
      load_torch_checkpoint(drig::test::extracted_fixture("deca/deca_model.tar"));
  EXPECT_EQ(ckpt.archive_root, "model");
  const PickleValue& root = *ckpt.root;
  ASSERT_EQ(root.kind, K::Dict);
  EXPECT_EQ(root.get("global_step")->integer, 123456);
  EXPECT_EQ(root.get("batch_size")->integer, 6);
  const NamedTensors flame = state_dict_tensors(*root.get("E_flame"), "E_flame");
  EXPECT_EQ(flame.size(), 322u);
  int64_t numbers = 0;
  for (const auto& [name, t] : flame) {
    numbers += t.numel();
    EXPECT_TRUE(t.device().is_cpu());
  }
  EXPECT_EQ(numbers, 25'901'281);
  EXPECT_EQ(state_dict_tensors(*root.get("D_detail"), "D_detail").size(), 44u);
  const PickleRef opt = root.get("opt");
  ASSERT_TRUE(opt);
  EXPECT_TRUE(opt->get("param_groups"));
}

TEST(TorchWriter, RoundTripKeepsNamesValuesViewsAndSharedStorages) {
  drig::test::TempDir dir("torch-writer");
  torch::manual_seed(0);
  const at::Tensor base = torch::randn({4, 6});
  NamedTensors tensors = {
      {"layer.weight", base},
      {"layer.weight_t", base.t()}, // a strided view of the same storage
      {"layer.row", base[2]},       // a view with a storage offset
      {"bn.num_batches_tracked", torch::tensor(7, torch::kLong)},
      {"half", torch::randn({3}).to(torch::kHalf)},
      {"mask", torch::tensor({true, false})},
      {"empty", torch::empty({0, 3})},
  };
  const fs::path file = dir / "model000010.pt";
  save_state_dict(file, tensors);
  const TorchCheckpoint ckpt = load_torch_checkpoint(file);
  EXPECT_EQ(ckpt.archive_root, "model000010");
  const NamedTensors back = state_dict_tensors(*ckpt.root, "round trip");
  ASSERT_EQ(back.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    SCOPED_TRACE(tensors[i].first);
    EXPECT_EQ(back[i].first, tensors[i].first);
    EXPECT_EQ(back[i].second.sizes(), tensors[i].second.sizes());
    EXPECT_EQ(back[i].second.strides(), tensors[i].second.strides());
    EXPECT_EQ(back[i].second.scalar_type(), tensors[i].second.scalar_type());
    EXPECT_TRUE(torch::equal(back[i].second, tensors[i].second));
  }
  // The three views share one storage in the file as in memory.
  EXPECT_EQ(back[0].second.storage().unsafeGetStorageImpl(),
            back[1].second.storage().unsafeGetStorageImpl());
  EXPECT_EQ(back[2].second.storage_offset(), 12);
}

TEST(TorchWriter, WritesTheTinyFixtureBackIdentically) {
  DRIG_REQUIRE_SHARED();
  const TorchCheckpoint original =
      load_torch_checkpoint(drig::test::extracted_fixture("tiny/model000000.pt"));
  drig::test::TempDir dir("torch-rewrite");
  const NamedTensors tensors = state_dict_tensors(*original.root, "tiny");
  save_state_dict(dir / "copy.pt", tensors);
  const NamedTensors back =
      state_dict_tensors(*load_torch_checkpoint(dir / "copy.pt").root, "copy");
  ASSERT_EQ(back.size(), tensors.size());
  for (size_t i = 0; i < back.size(); ++i)
    EXPECT_TRUE(torch::equal(back[i].second, tensors[i].second)) << back[i].first;
}

TEST(TorchCheckpoint, CorruptFilesGiveOneClearError) {
  drig::test::TempDir dir("torch-corrupt");
  NamedTensors tensors = {{"w", torch::arange(1000, torch::kFloat)}};
  save_state_dict(dir / "good.pt", tensors);
  std::ifstream in(dir / "good.pt", std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), {});
  uint32_t seed = 7;
  const auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  int errors = 0;
  for (int i = 0; i < 600; ++i) {
    std::string data = good;
    if (i % 3 == 0)
      data.resize(next() % data.size());
    else
      for (int f = 0; f < 4; ++f)
        data[next() % data.size()] = static_cast<char>(next());
    const fs::path bad = dir / "bad.pt";
    std::ofstream(bad, std::ios::binary) << data;
    try {
      load_torch_checkpoint(bad);
    } catch (const drig::Error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find("bad.pt"), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(errors, 100);

  std::ofstream(dir / "text.pt") << "hello";
  try {
    load_torch_checkpoint(dir / "text.pt");
    FAIL();
  } catch (const drig::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a PyTorch checkpoint"), std::string::npos);
  }
  EXPECT_THROW(load_torch_checkpoint(dir / "missing.pt"), drig::Error);
}
