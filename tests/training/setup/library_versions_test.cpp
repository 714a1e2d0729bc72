#include "model/base/atomic_file.h"
#include "tests/support/test_paths.h"
#include "training/setup/library_versions.h"

#include <gtest/gtest.h>

TEST(TrainingLibraries, VersionsAreReported) {
  const auto v = drig::training_library_versions();
  EXPECT_EQ(v.opencv.front(), '4') << v.opencv;
  EXPECT_NE(v.dlib.find("19."), std::string::npos) << v.dlib;
  EXPECT_NE(v.lmdb.find("0.9."), std::string::npos) << v.lmdb;
  EXPECT_EQ(v.eigen.front(), '3') << v.eigen;
}

TEST(TrainingLibraries, ShapePredictorChecks) {
  EXPECT_EQ(drig::check_shape_predictor(drig::default_shape_predictor_path()), "")
      << "libdlib-data is installed by the README's set-up command";
  drig::test::TempDir dir("predictor");
  drig::write_file_atomic(dir / "truncated.dat", std::string(1000, 'x'));
  EXPECT_NE(drig::check_shape_predictor(dir / "truncated.dat").find("truncated"),
            std::string::npos);
  EXPECT_NE(drig::check_shape_predictor(dir / "absent.dat").find("not found"), std::string::npos);
}
