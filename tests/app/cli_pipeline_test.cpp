// The whole Stage 2 path a user runs on an album, at a tiny size with the
// synthetic DECA assets: align -> create-data -> train (with a preview).
#include "tests/support/test_paths.h"
#include "training/datasets/lmdb_dataset.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using drig::test::run_command;

TEST(CliPipeline, AlbumToPersonalModel) {
  DRIG_REQUIRE_SHARED();
  const fs::path shared = drig::test::shared_dir();
  const std::string cli = std::getenv("DRIG_CLI");
  drig::test::TempDir assets("pipe_assets"), work("pipe_work");
  for (const auto& e : fs::directory_iterator(shared / "reference/deca/data"))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), assets / e.path().filename().string());
  fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                     assets / "deca_model.tar");
  const std::string global = cli + " --device cpu --assets " + assets.path().string();
  auto r = run_command(global + " align -i " + (shared / "testdata/albums/mark").string() + " -o " +
                       (work / "aligned").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_command(global + " create-data --data_dir " + (work / "aligned").string() +
                  " --output_dir " + (work / "mark.lmdb").string() +
                  " --image_size 64 --use_meanshape True 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const drig::datasets::DatasetReader data(work / "mark.lmdb");
  EXPECT_GE(data.size(), 4) << r.out; // 5 photos of one person
  r = run_command(global + " train --stage 2 --data_dir " + (work / "mark.lmdb").string() +
                  " --log_dir " + (work / "run").string() +
                  " --image_size 64 --num_channels 32 --num_res_blocks 1 --attention_resolutions 16"
                  " --channel_mult 1,2 --latent_dim 16 --batch_size 2 --max_steps 3"
                  " --save_interval 3 --preview_interval 3 --preview_steps ddim2 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(work / "run" / "model000003.pt"));
  EXPECT_TRUE(fs::exists(work / "run" / "preview000003.png"));
}
