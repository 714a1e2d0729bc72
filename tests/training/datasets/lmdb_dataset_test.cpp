// The LMDB layer against the original's fixture (../shared/reference/lmdb):
// we read its dataset value for value, and what we write has its layout.
#include "model/formats/tensor_pickle.h"
#include "tests/support/test_paths.h"
#include "training/datasets/create_data.h"
#include "training/datasets/lmdb_dataset.h"

#include <ATen/ATen.h>
#include <dlib/md5.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::datasets;

namespace {

fs::path lmdb_ref(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / "lmdb" / relative;
}

nlohmann::json expected() {
  std::ifstream in(lmdb_ref("expected.json"));
  return nlohmann::json::parse(in);
}

std::string md5_of(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return dlib::md5(std::string(static_cast<const char*>(c.data_ptr()), size_t(c.nbytes())));
}

// The fixture's synthetic buffers (README "The fixture").
at::Tensor formula(const std::string& kind, int64_t i) {
  at::Tensor t = at::empty({3, 64, 64}, at::kFloat);
  auto a = t.accessor<float, 3>();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 64; ++y)
      for (int64_t x = 0; x < 64; ++x) {
        if (kind == "albedo")
          a[c][y][x] = float((i * 97 + c * 31 + y * 7 + x * 3) % 256) / 255.0f;
        else if (kind == "normal")
          a[c][y][x] = float(((i * 13 + c * 7 + y * 5 + x * 11) % 201) - 100) / 100.0f;
        else
          a[c][y][x] = float((i * 53 + c * 17 + y * x) % 256) / 255.0f;
      }
  return t;
}

class LmdbDataset : public ::testing::Test {
protected:
  void SetUp() override { DRIG_REQUIRE_SHARED(); }
};

} // namespace

TEST_F(LmdbDataset, ReadsTheOriginalsDatasetValueForValue) {
  const DatasetReader reader(lmdb_ref("fixture.lmdb"));
  const nlohmann::json e = expected();
  ASSERT_EQ(reader.size(), 3);
  for (int64_t i = 0; i < 3; ++i) {
    const Sample s = reader.sample(i);
    EXPECT_TRUE(at::equal(s.albedo, formula("albedo", i))) << i;
    EXPECT_TRUE(at::equal(s.normal, formula("normal", i))) << i;
    EXPECT_TRUE(at::equal(s.rendered, formula("rendered", i))) << i;
    const std::string image_key = sample_key("image", i);
    EXPECT_EQ(md5_of(s.image_u8), e["keys"][image_key]["md5_pixels"].get<std::string>()) << i;
    // What the original reader hands to training: ToTensor + Normalize(0.5, 0.5).
    EXPECT_EQ(
        md5_of(s.image),
        e["reader"]["items"][size_t(i)]["image"]["md5_contiguous_le_bytes"].get<std::string>())
        << i;
    EXPECT_EQ(md5_of(s.albedo),
              e["keys"][sample_key("albedo", i)]["md5_contiguous_le_bytes"].get<std::string>());
  }
  EXPECT_EQ(reader.raw("length").value(), "3");
  EXPECT_THROW(reader.sample(3), std::exception);
}

TEST_F(LmdbDataset, ReadsTheMeanShapeAndStridedTensors) {
  const nlohmann::json e = expected();
  std::ifstream in(lmdb_ref("fixture.lmdb/mean_shape.pkl"), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const at::Tensor mean = drig::formats::unpickle_tensor(bytes.str(), "mean_shape.pkl");
  EXPECT_EQ(mean.sizes(), (at::IntArrayRef{1, 100}));
  EXPECT_EQ(md5_of(mean), e["mean_shape.pkl"]["md5_contiguous_le_bytes"].get<std::string>());
  std::ifstream strided_in(lmdb_ref("extra/normal_000000_hwc_strided.pkl"), std::ios::binary);
  std::stringstream strided_bytes;
  strided_bytes << strided_in.rdbuf();
  const at::Tensor strided = drig::formats::unpickle_tensor(strided_bytes.str(), "strided.pkl");
  EXPECT_TRUE(at::equal(strided.contiguous(), formula("normal", 0)));
}

TEST_F(LmdbDataset, WritesTheOriginalsLayout) {
  drig::test::TempDir dir("lmdb_write");
  const DatasetReader original(lmdb_ref("fixture.lmdb"));
  {
    DatasetWriter writer(dir / "out.lmdb");
    EXPECT_EQ(writer.complete_samples(), 0);
    for (int64_t i = 0; i < 3; ++i)
      writer.put(i, formula("albedo", i), formula("normal", i), formula("rendered", i),
                 original.sample(i).image_u8);
    writer.finish(3);
  }
  EXPECT_TRUE(fs::exists(dir / "out.lmdb" / "data.mdb"));
  const DatasetReader ours(dir / "out.lmdb");
  ASSERT_EQ(ours.size(), 3);
  EXPECT_EQ(ours.raw("length").value(), "3");
  for (int64_t i = 0; i < 3; ++i) {
    const Sample a = ours.sample(i), b = original.sample(i);
    EXPECT_TRUE(at::equal(a.image_u8, b.image_u8));
    EXPECT_TRUE(at::equal(a.image, b.image));
    for (const char* kind : {"albedo", "normal", "rendered"}) {
      // A protocol-4 pickle around the legacy torch.save stream of the same
      // float32 values (Python's pickler picks other, equivalent opcodes).
      const std::string mine = ours.raw(sample_key(kind, i)).value();
      const std::string theirs = original.raw(sample_key(kind, i)).value();
      const at::Tensor values = formula(kind, i);
      const std::string payload(static_cast<const char*>(values.data_ptr()), values.nbytes());
      EXPECT_NE(mine.find(payload), std::string::npos) << kind << " " << i;
      EXPECT_NE(theirs.find(payload), std::string::npos) << kind << " " << i;
      EXPECT_EQ(mine.substr(0, 2), theirs.substr(0, 2)) << "pickle protocol";
    }
  }
  EXPECT_FALSE(ours.raw("image_000003").has_value());
}

TEST_F(LmdbDataset, ResumesAfterAnInterruptionAndRefusesIncompleteDatasets) {
  drig::test::TempDir dir("lmdb_resume");
  const at::Tensor image = at::zeros({64, 64, 3}, at::kByte);
  {
    DatasetWriter writer(dir / "x.lmdb");
    writer.put(0, formula("albedo", 0), formula("normal", 0), formula("rendered", 0), image);
    writer.put(1, formula("albedo", 1), formula("normal", 1), formula("rendered", 1), image);
    // "killed" here: no length
  }
  try {
    DatasetReader incomplete(dir / "x.lmdb");
    FAIL() << "an incomplete dataset was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos) << e.what();
  }
  DatasetWriter writer(dir / "x.lmdb");
  EXPECT_EQ(writer.complete_samples(), 2);
  writer.put(2, formula("albedo", 2), formula("normal", 2), formula("rendered", 2), image);
  writer.finish(3);
  const DatasetReader done(dir / "x.lmdb");
  EXPECT_EQ(done.size(), 3);
  EXPECT_TRUE(at::equal(done.sample(1).normal, formula("normal", 1)));
}

TEST_F(LmdbDataset, GrowsTheMapAsSamplesArrive) {
  // 30 samples of 256x256 are ~70 MiB: more than the initial 64 MiB map.
  drig::test::TempDir dir("lmdb_grow");
  const at::Tensor buffer = at::rand({3, 256, 256}, at::kFloat);
  const at::Tensor image = at::randint(0, 255, {256, 256, 3}, at::kByte);
  {
    DatasetWriter writer(dir / "big.lmdb");
    for (int64_t i = 0; i < 30; ++i)
      writer.put(i, buffer, buffer, buffer, image);
    writer.finish(30);
  }
  const DatasetReader reader(dir / "big.lmdb");
  EXPECT_EQ(reader.size(), 30);
  EXPECT_TRUE(at::equal(reader.sample(29).albedo, buffer));
  EXPECT_GT(fs::file_size(dir / "big.lmdb" / "data.mdb"), size_t(64) << 20);
}

TEST(LmdbDatasetErrors, NamesTheFolder) {
  drig::test::TempDir dir("lmdb_errors");
  try {
    DatasetReader reader(dir / "nothing.lmdb");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("nothing.lmdb"), std::string::npos) << e.what();
  }
}

TEST(CreateDataOptions, ReportsEveryProblemAtOnceBeforeWritingAnything) {
  drig::test::TempDir work("create_data_options");
  fs::create_directories(work / "exists.lmdb");
  CreateDataOptions o;
  o.data_dir = work / "no-such-folder";
  o.output_dir = work / "exists.lmdb";
  o.image_size = 8;
  o.batch_size = 0;
  o.device = "gpu7";
  o.renderer = "vulkan";
  drig::OptionCheck check;
  o.check(check);
  ASSERT_EQ(check.problems().size(), 6u);
  const std::string error = drig::test::error_of([&] { create_data(o, {}); });
  for (const char* part :
       {"no-such-folder", "already exists", "--image_size 8", "batch size", "gpu7", "vulkan"})
    EXPECT_NE(error.find(part), std::string::npos) << part << " in: " << error;
  EXPECT_FALSE(fs::exists(work / "exists.lmdb.partial")) << "nothing written";
  CreateDataOptions good;
  good.data_dir = work.path();
  good.output_dir = work / "new.lmdb";
  drig::OptionCheck fine;
  good.check(fine);
  EXPECT_TRUE(fine.ok()) << (fine.problems().empty() ? "" : fine.problems()[0]);
}
