// diffusionrig render: a rig made from the DECA fixture's case 1 renders to
// DiffusionRig's physical condition (render256_physic_cond), and the edit
// flags change what they should.
#include "model/formats/npy.h"
#include "tests/support/test_paths.h"
#include "training/rig/rig_file.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

fs::path deca(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / "deca" / relative;
}

at::Tensor ref(const std::string& name) {
  return drig::formats::load_npy(deca("ref/" + name + ".npy")).tensor;
}

at::Tensor npy(const fs::path& path) {
  return drig::formats::load_npy(path).tensor;
}

class CliRender : public ::testing::Test {
protected:
  void SetUp() override {
    DRIG_REQUIRE_SHARED();
    assets_ = std::make_unique<drig::test::TempDir>("cli_render_assets");
    for (const char* name :
         {"generic_model.pkl", "landmark_embedding.npy", "head_template.obj", "FLAME_texture.npz"})
      fs::create_symlink(deca("data") / name, *assets_ / name);
    dir_ = std::make_unique<drig::test::TempDir>("cli_render");
    drig::fitting::Rig rig;
    const auto row = [](const at::Tensor& t) { return t.narrow(0, 1, 1).to(at::kFloat).clone(); };
    rig.code = {row(ref("flame_in_shape")), row(ref("render_in_texcode")),
                row(ref("flame_in_exp")),   row(ref("flame_in_pose")),
                row(ref("flame_in_cam")),   row(ref("render_in_light"))};
    rig.fitted_shape = rig.code.shape.clone();
    rig.image = "/nonexistent/face.png";
    rig.image_md5 = "0";
    rig.deca_version = "test";
    const at::Tensor tform = ref("preprocess/drig_tform").to(at::kDouble).contiguous();
    for (size_t i = 0; i < 9; ++i)
      rig.crop_tform[i] = tform.data_ptr<double>()[i];
    rig_ = *dir_ / "face.rig.json";
    drig::fitting::save_rig(rig_, rig);
  }

  drig::test::CommandResult render(const std::string& out, const std::string& flags) {
    return run_command(cli() + " --assets " + assets_->path().string() + " render " +
                       rig_.string() + " -o " + (*dir_ / out).string() + " " + flags + " 2>&1");
  }
  at::Tensor cond(const std::string& out) {
    return at::cat({npy(*dir_ / out / "rendered.npy"), npy(*dir_ / out / "normal.npy"),
                    npy(*dir_ / out / "albedo.npy")});
  }

  std::unique_ptr<drig::test::TempDir> assets_, dir_;
  fs::path rig_;
};

} // namespace

TEST_F(CliRender, CpuRendererReproducesDiffusionRigsBuffers) {
  const auto r = render("cpu", "--renderer cpu");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("head pose (yaw, pitch, roll)"), std::string::npos) << r.out;
  for (const char* f : {"rendered.png", "normal.png", "albedo.png", "alpha.png", "shaded.png",
                        "rendered.npy", "normal.npy", "albedo.npy"})
    EXPECT_TRUE(fs::exists(*dir_ / "cpu" / f)) << f;
  const at::Tensor expected = ref("render256_physic_cond")[0];
  const at::Tensor ours = cond("cpu");
  ASSERT_EQ(ours.sizes(), expected.sizes());
  // Same rasterizer rule: equal to float rounding on every pixel.
  EXPECT_LT((ours - expected).abs().max().item<double>(), 1e-4);
}

TEST_F(CliRender, DefaultRendererMatchesWithinTolerance) {
  const auto r = render("auto", "--size 256");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const at::Tensor diff = (cond("auto") - ref("render256_physic_cond")[0]).abs();
  // Edge pixels may flip between rasterizers: at most 0.5% of the face.
  const double covered = ref("render256_alpha_images").gt(0).sum().item<double>();
  const double off = diff.amax(0).gt(1e-3).sum().item<double>();
  EXPECT_LE(off, 0.005 * covered) << r.out;
}

TEST_F(CliRender, EditsChangeTheBuffers) {
  ASSERT_EQ(render("base", "--renderer cpu").exit_code, 0);
  const at::Tensor base = cond("base");
  // Light: a frontal white light changes only the rendered buffer, and its
  // shading is the directional light's SH irradiance on the normals.
  auto r = render("light", "--renderer cpu --light 0,0 --light-intensity 1.5 --ambient 0.2 "
                           "--light-colour 1,1,1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const at::Tensor lit = cond("light");
  EXPECT_TRUE(at::equal(lit.narrow(0, 3, 6), base.narrow(0, 3, 6)));
  const at::Tensor n = lit.narrow(0, 3, 3), albedo = lit.narrow(0, 6, 3);
  const at::Tensor mask = n.abs().sum(0).gt(0);
  const at::Tensor c = n[2]; // n . d with d = +z
  // With the light on +z only the constant, z and 3z^2-1 terms remain: the
  // addition-theorem form holds on DECA's (unnormalised) normals exactly.
  const at::Tensor shading = 1.5 * (0.25 + c / 2 + 5.0 / 32 * (3 * c * c - 1)) + 0.2;
  const at::Tensor expected = albedo * shading.unsqueeze(0) * mask.unsqueeze(0);
  EXPECT_LT((lit.narrow(0, 0, 3) - expected).abs().max().item<double>(), 1e-4);
  // `infer`'s spelling of the same light gives the same buffers.
  r = render("light2", "--renderer cpu --light-azimuth 0 --light-elevation 0 "
                       "--light-intensity 1.5 --ambient 0.2 --light-color 1,1,1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(at::equal(cond("light2"), lit));
  // A head turn relative to the photo, as infer's --yaw.
  ASSERT_EQ(render("yaw", "--renderer cpu --yaw 30").exit_code, 0);
  EXPECT_GT((npy(*dir_ / "yaw" / "normal.npy") - base.narrow(0, 3, 3)).abs().max().item<double>(),
            0.1);
  // Jaw and pose move the geometry; expression changes the normals.
  ASSERT_EQ(render("jaw", "--renderer cpu --jaw 25").exit_code, 0);
  EXPECT_FALSE(at::equal(npy(*dir_ / "jaw" / "normal.npy"), base.narrow(0, 3, 3)));
  ASSERT_EQ(render("pose", "--renderer cpu --pose 30,0,0").exit_code, 0);
  EXPECT_GT((npy(*dir_ / "pose" / "normal.npy") - base.narrow(0, 3, 3)).abs().max().item<double>(),
            0.1);
  ASSERT_EQ(render("exp", "--renderer cpu --exp 0=3,4=-2").exit_code, 0);
  EXPECT_FALSE(at::equal(npy(*dir_ / "exp" / "normal.npy"), base.narrow(0, 3, 3)));
  ASSERT_EQ(
      render("sh", "--renderer cpu --sh 1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0")
          .exit_code,
      0);
  // Only the constant term: rendered = albedo * c0 everywhere on the face.
  const at::Tensor flat = cond("sh");
  EXPECT_LT((flat.narrow(0, 0, 3) - flat.narrow(0, 6, 3) * 0.28209479).abs().max().item<double>(),
            1e-5);
}

TEST_F(CliRender, BadInputGetsAClearError) {
  auto r = render("bad", "--exp 99=1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("expression coefficient 99"), std::string::npos) << r.out;
  r = render("bad", "--sh 1,2,3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("27"), std::string::npos) << r.out;
  r = render("bad", "--sh 1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 --light 0,0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cannot be combined"), std::string::npos) << r.out;
  r = render("bad", "--pose 1,2,3 --yaw 5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cannot be combined"), std::string::npos) << r.out;
  r = render("bad", "--pose 1,2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("--pose"), std::string::npos) << r.out;
  std::ofstream(rig_) << "{ not json";
  r = render("bad", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(rig_.filename().string()), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(*dir_ / "bad" / "rendered.npy"));
}
