// diffusionrig create-data on three aligned photos with the synthetic DECA
// assets: an LMDB in the original layout whose images are what TestData
// makes (the original fixture's pixels) and whose buffers are the renderer's.
#include "model/formats/npy.h"
#include "model/formats/tensor_pickle.h"
#include "tests/support/test_paths.h"
#include "training/datasets/lmdb_dataset.h"

#include <ATen/ATen.h>
#include <dlib/md5.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

std::string md5_of(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return dlib::md5(std::string(static_cast<const char*>(c.data_ptr()), size_t(c.nbytes())));
}

} // namespace

TEST(CliCreateData, BuildsAnLmdbInTheOriginalLayout) {
  DRIG_REQUIRE_SHARED();
  const fs::path shared = drig::test::shared_dir();
  drig::test::TempDir assets("cd_assets");
  for (const auto& e : fs::directory_iterator(shared / "reference/deca/data"))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), assets / e.path().filename().string());
  fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                     assets / "deca_model.tar");
  drig::test::TempDir work("cd_work");
  fs::create_directories(work / "aligned");
  for (const char* name : {"img10.png", "img11.png", "img5.png"})
    fs::copy_file(shared / "reference/align/expected/angelina" / name, work / "aligned" / name);
  fs::copy_file(shared / "reference/align/expected/angelina/img10.png",
                work / "aligned" / "IGNORED.PNG"); // the original's glob is case-sensitive
  const fs::path out = work / "album.lmdb";
  const std::string cmd = cli() + " --device cpu --assets " + assets.path().string() +
                          " create-data --data_dir " + (work / "aligned").string() +
                          " --output_dir " + out.string() +
                          " --image_size 64 --use_meanshape True 2>&1";
  const auto r = run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("3 samples"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));

  const drig::datasets::DatasetReader reader(out);
  ASSERT_EQ(reader.size(), 3);
  // Index order and pixels as the original's TestData(size=64): the fixture
  // LMDB was made from the same three photos.
  std::ifstream in(shared / "reference/lmdb/expected.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  for (int64_t i = 0; i < 3; ++i) {
    const auto s = reader.sample(i);
    const std::string key = drig::datasets::sample_key("image", i);
    EXPECT_EQ(md5_of(s.image_u8), expected["keys"][key]["md5_pixels"].get<std::string>()) << key;
    EXPECT_EQ(s.normal.sizes(), (at::IntArrayRef{3, 64, 64}));
    // Buffers in range, zero where the face is not.
    EXPECT_GE(s.albedo.min().item<float>(), 0.0f);
    EXPECT_LE(s.normal.abs().max().item<float>(), 1.0001f);
    const at::Tensor background = s.normal.abs().sum(0).eq(0);
    EXPECT_TRUE(at::equal(s.albedo.masked_select(background.unsqueeze(0).expand_as(s.albedo)),
                          at::zeros({background.sum().item<int64_t>() * 3})));
  }
  // mean_shape.pkl beside data.mdb, as the original; every rig used it.
  std::ifstream pkl(out / "mean_shape.pkl", std::ios::binary);
  std::stringstream bytes;
  bytes << pkl.rdbuf();
  const at::Tensor mean = drig::formats::unpickle_tensor(bytes.str(), "mean_shape.pkl");
  EXPECT_EQ(mean.sizes(), (at::IntArrayRef{1, 100}));

  // Never overwritten; an unrelated interrupted run is not resumed.
  const auto again = run_command(cmd);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  fs::create_directories(work / "other.lmdb.partial");
  const auto other = run_command(cli() + " --device cpu --assets " + assets.path().string() +
                                 " create-data --data_dir " + (work / "aligned").string() +
                                 " --output_dir " + (work / "other.lmdb").string() + " 2>&1");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.out.find("interrupted run"), std::string::npos) << other.out;
}
