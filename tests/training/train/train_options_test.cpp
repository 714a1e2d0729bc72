#include "model/base/error.h"
#include "tests/support/test_paths.h"
#include "training/train/train_loop.h"

#include <gtest/gtest.h>

using namespace drig;

TEST(TrainOptions, ReportEveryProblemAtOnce) {
  test::TempDir dir("train_check");
  training::TrainLoopOptions o;
  o.stage = 3;
  o.data_dir = dir / "no.lmdb";
  o.resume_checkpoint = dir / "model000100.pt";
  o.batch_size = 4;
  o.micro_batches = 3;
  o.save_interval = 0;
  o.step.lr = 0;
  o.device = "tpu";
  OptionCheck c;
  o.check(c);
  EXPECT_EQ(c.problems().size(), 8u) << ::testing::PrintToString(c.problems());
  const std::string e = test::error_of([&] { training::train(o, {}, {}); });
  for (const char* part : {"--stage", "no.lmdb", "no log folder", "model000100.pt",
                           "--micro_batches 3", "--save_interval", "--lr", "tpu"})
    EXPECT_NE(e.find(part), std::string::npos) << part << " in: " << e;
  EXPECT_FALSE(std::filesystem::exists(dir / "no.lmdb"));
}
