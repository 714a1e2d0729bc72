// The fit job end to end on the synthetic official-format DECA files: rigs,
// resume, mean shape, OBJ export, errors.
#include "model/face/mean_shape.h"
#include "model/face/obj_mesh.h"
#include "tests/support/test_paths.h"
#include "training/align/album_job.h"
#include "training/rig/fit_job.h"
#include "training/rig/rig_file.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <fstream>

namespace drig::fitting {
namespace {

namespace fs = std::filesystem;

// The fixture's data/ folder with the decompressed checkpoint beside it.
void make_assets(const fs::path& dir) {
  const fs::path data = test::shared_dir() / "reference/deca/data";
  for (const auto& e : fs::directory_iterator(data))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), dir / e.path().filename());
  fs::create_symlink(test::extracted_fixture("deca/deca_model.tar"), dir / "deca_model.tar");
}

TEST(FitJob, FitsAnAlbumWritesRigsMeanShapeAndMeshesAndResumes) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("fit_assets");
  make_assets(assets.path());
  test::TempDir aligned("fit_aligned");
  align::AlignJobOptions a;
  a.inputs = {test::shared_dir() / "testdata/faces/portraits/exp_2.jpg",
              test::shared_dir() / "testdata/faces/portraits/exp_5.jpg"};
  a.output_dir = aligned.path();
  ASSERT_EQ(align_album(a, {}).usable(), 2);
  // One aligned image without a sidecar: its landmarks are found again.
  fs::copy_file(test::shared_dir() / "reference/align/expected/angelina/img10.png",
                aligned / "img10.png");

  test::TempDir rigs("fit_rigs");
  FitOptions o;
  o.inputs = {aligned.path()};
  o.output_dir = rigs.path();
  o.assets_dir = assets.path();
  o.device = "cpu";
  o.batch_size = 2;
  o.use_meanshape = true;
  o.export_obj = true;
  const FitSummary s = fit_album(o, {});
  EXPECT_EQ(s.fitted, 3);
  EXPECT_TRUE(s.failed.empty()) << s.failed.at(0).second;

  // Every rig: the album's mean shape, its own fitted shape, and a file that
  // reads back to identical parameters.
  const at::Tensor mean = face::load_mean_shape(rigs / "mean_shape.pkl");
  std::vector<at::Tensor> fitted;
  for (const char* stem : {"exp_2", "exp_5", "img10"}) {
    SCOPED_TRACE(stem);
    const Rig r = load_rig(rigs / (std::string(stem) + ".rig.json"));
    EXPECT_TRUE(r.mean_shape);
    EXPECT_TRUE(torch::equal(r.code.shape, mean));
    EXPECT_EQ(r.code.light.sizes(), (std::vector<int64_t>{1, 9, 3}));
    EXPECT_EQ(r.image_md5.size(), 32u);
    EXPECT_EQ(r.asset_md5.count("deca_model.tar"), 1u);
    fitted.push_back(r.fitted_shape);
    save_rig(rigs / "copy.json", r);
    const Rig back = load_rig(rigs / "copy.json");
    for (auto m : {&face::DecaCode::shape, &face::DecaCode::tex, &face::DecaCode::exp,
                   &face::DecaCode::pose, &face::DecaCode::cam, &face::DecaCode::light})
      EXPECT_TRUE(torch::equal(back.code.*m, r.code.*m));
    EXPECT_TRUE(torch::equal(back.fitted_shape, r.fitted_shape));
    EXPECT_EQ(back.crop_tform, r.crop_tform);
    const face::ObjMesh mesh = face::load_obj(rigs / (std::string(stem) + ".obj"));
    EXPECT_EQ(mesh.vertices.size(0), 58);
    EXPECT_EQ(mesh.faces.size(0), 104);
  }
  EXPECT_TRUE(torch::allclose(torch::cat(fitted).mean(0, true), mean, 0, 1e-6));
  EXPECT_FALSE(torch::equal(fitted[0], fitted[1])) << "different photos, different shapes";

  // A re-run finds everything up to date.
  const FitSummary again = fit_album(o, {});
  EXPECT_EQ(again.fitted, 0);
  EXPECT_EQ(again.up_to_date, 3);

  // Cancelled before the first batch: nothing new is written.
  test::TempDir rigs2("fit_rigs_cancel");
  o.output_dir = rigs2.path();
  JobContext cancelled;
  cancelled.cancel.cancel();
  const FitSummary c = fit_album(o, cancelled);
  EXPECT_TRUE(c.cancelled);
  EXPECT_EQ(c.fitted, 0);
}

TEST(FitJob, MissingOrWrongAssetsNameTheFile) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("fit_assets_bad");
  test::TempDir out("fit_out_bad");
  FitOptions o;
  o.inputs = {test::shared_dir() / "reference/align/expected/angelina/img10.png"};
  o.output_dir = out.path();
  o.assets_dir = assets.path();
  o.device = "cpu";
  EXPECT_NE(test::error_of([&] { fit_album(o, {}); }).find("deca_model.tar"), std::string::npos);
  std::ofstream(assets / "deca_model.tar") << "not a checkpoint";
  const std::string e = test::error_of([&] { fit_album(o, {}); });
  EXPECT_NE(e.find("deca_model.tar"), std::string::npos) << e;
}

TEST(FitJob, OptionsReportEveryProblemAtOnce) {
  test::TempDir assets("fit_check");
  FitOptions o;
  o.inputs = {assets / "nothing.png"};
  o.assets_dir = assets.path();
  o.batch_size = 0;
  o.device = "tpu";
  OptionCheck c;
  o.check(c);
  EXPECT_EQ(c.problems().size(), 5u) << ::testing::PrintToString(c.problems());
  const std::string e = test::error_of([&] { fit_album(o, {}); });
  for (const char* part : {"nothing.png", "no output folder", "deca_model.tar", "1..256", "tpu"})
    EXPECT_NE(e.find(part), std::string::npos) << e;
}

TEST(RigFile, MalformedRigsAreClearErrors) {
  test::TempDir tmp("rig_bad");
  std::ofstream(tmp / "a.rig.json") << "{\"format\": \"diffusionrig-rig\", \"image\": {}}";
  EXPECT_NE(test::error_of([&] { load_rig(tmp / "a.rig.json"); }).find("missing a field"),
            std::string::npos);
  std::ofstream(tmp / "b.rig.json") << "[1, 2";
  EXPECT_NE(test::error_of([&] { load_rig(tmp / "b.rig.json"); }).find("not a rig file"),
            std::string::npos);
}

} // namespace
} // namespace drig::fitting
