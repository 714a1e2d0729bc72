// FLAME, camera, normals, SH and albedo against the original DECA code's
// outputs on the synthetic fixtures (../shared/reference/deca, README section 9).
#include "model/face/flame.h"
#include "model/face/shading.h"
#include "model/formats/npy.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

namespace fs = std::filesystem;
using namespace drig::face;

namespace {

fs::path deca(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / "deca" / relative;
}

at::Tensor ref(const std::string& name) {
  return drig::formats::load_npy(deca("ref/" + name + ".npy")).tensor;
}

// The reference ran in float32 with another BLAS and summation order, so we
// allow max |error| <= 1e-4 * max(1, max |ref|) (the errors seen are ~1e-6).
void expect_reference(const at::Tensor& actual, const std::string& name) {
  const at::Tensor expected = ref(name).to(at::kFloat);
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  const at::Tensor got = actual.detach().to(at::kCPU, at::kFloat);
  ASSERT_EQ(got.sizes(), expected.sizes()) << name;
  const double error = (got - expected).abs().max().item<double>();
  std::cout << "[ reference ] " << name << ": max abs error " << error << " (tolerance "
            << 1e-4 * scale << ")\n";
  EXPECT_TENSOR_NEAR(got, expected, 1e-4 * scale) << name;
}

class FlameReference : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (drig::test::shared_dir().empty())
      return;
    assets_ = new FlameAssets(
        load_flame_assets(deca("data/generic_model.pkl"), deca("data/landmark_embedding.npy")));
  }
  static void TearDownTestSuite() {
    delete assets_;
    assets_ = nullptr;
  }
  void SetUp() override { DRIG_REQUIRE_SHARED(); }

  static FlameOutput run(const Flame& flame) {
    return flame.forward(ref("flame_in_shape"), ref("flame_in_exp"), ref("flame_in_pose"));
  }

  static FlameAssets* assets_;
};
FlameAssets* FlameReference::assets_ = nullptr;

TEST_F(FlameReference, AssetsHaveTheFixtureLayout) {
  const FlameAssets& a = *assets_;
  EXPECT_EQ(a.v_template.sizes(), (std::vector<int64_t>{58, 3}));
  EXPECT_EQ(a.shapedirs.sizes(), (std::vector<int64_t>{58, 3, 150}));
  EXPECT_EQ(a.posedirs.sizes(), (std::vector<int64_t>{36, 58 * 3}));
  EXPECT_EQ(a.j_regressor.sizes(), (std::vector<int64_t>{5, 58}));
  EXPECT_EQ(a.lbs_weights.sizes(), (std::vector<int64_t>{58, 5}));
  EXPECT_EQ(a.parents, (std::vector<int64_t>{-1, 0, 1, 1, 1}));
  EXPECT_EQ(a.faces.sizes(), (std::vector<int64_t>{104, 3}));
  EXPECT_EQ(a.faces.scalar_type(), at::kLong);
  EXPECT_EQ(a.static_lmk_faces_idx.sizes(), (std::vector<int64_t>{51}));
  EXPECT_EQ(a.static_lmk_bary.sizes(), (std::vector<int64_t>{51, 3}));
  EXPECT_EQ(a.dynamic_lmk_faces_idx.sizes(), (std::vector<int64_t>{79, 17}));
  EXPECT_EQ(a.dynamic_lmk_bary.sizes(), (std::vector<int64_t>{79, 17, 3}));
  EXPECT_EQ(a.full_lmk_faces_idx.sizes(), (std::vector<int64_t>{68}));
  EXPECT_EQ(a.full_lmk_bary.sizes(), (std::vector<int64_t>{68, 3}));
  // Fortran-ordered in the file: the rows must still sum to one after reordering.
  EXPECT_TENSOR_NEAR(a.static_lmk_bary.sum(1), torch::ones({51}), 1e-6);
}

TEST_F(FlameReference, ForwardMatchesDeca) {
  const Flame flame(*assets_, torch::kCPU);
  const FlameOutput out = run(flame);
  expect_reference(out.vertices, "flame_verts");
  expect_reference(out.landmarks2d, "flame_lmk2d_world");
  expect_reference(out.landmarks3d, "flame_lmk3d_world");
  expect_reference(out.joints, "flame_joints");
  // Both branches of the contour rule and the clamp (index.json).
  EXPECT_TRUE(torch::equal(out.dynamic_rows, torch::tensor({0, 26, 73, 78}, torch::kLong)))
      << out.dynamic_rows;
  const at::Tensor faces_idx =
      flame.assets().dynamic_lmk_faces_idx.index_select(0, out.dynamic_rows);
  EXPECT_TRUE(torch::equal(faces_idx, ref("flame_dyn_lmk_faces_idx")));
}

TEST_F(FlameReference, NormalsAndProjectionMatchDeca) {
  const Flame flame(*assets_, torch::kCPU);
  const FlameOutput out = run(flame);
  // Normals alone (on the reference vertices), then end to end.
  expect_reference(vertex_normals(ref("flame_verts"), assets_->faces), "flame_vertex_normals");
  expect_reference(vertex_normals(out.vertices, assets_->faces), "flame_vertex_normals");
  // The batched (B,F,3) faces DECA passes give the same.
  expect_reference(vertex_normals(out.vertices, assets_->faces.unsqueeze(0).expand({4, -1, -1})),
                   "flame_vertex_normals");
  const Projection p = project(out, ref("flame_in_cam"));
  expect_reference(p.landmarks2d, "proj_landmarks2d");
  expect_reference(p.landmarks3d, "proj_landmarks3d");
  expect_reference(p.trans_verts, "proj_trans_verts");
  expect_reference(vertex_normals(p.trans_verts, assets_->faces), "proj_trans_vertex_normals");
  // batch_orth_proj has no flips.
  const at::Tensor plain = batch_orth_proj(out.vertices, ref("flame_in_cam"));
  EXPECT_TENSOR_NEAR(plain.narrow(2, 0, 1), p.trans_verts.narrow(2, 0, 1), 0.0);
  EXPECT_TENSOR_NEAR(plain.narrow(2, 1, 2), -p.trans_verts.narrow(2, 1, 2), 0.0);
}

TEST_F(FlameReference, ForwardIsDifferentiable) {
  const Flame flame(*assets_, torch::kCPU);
  const at::Tensor pose = ref("flame_in_pose").requires_grad_(true);
  const at::Tensor shape = ref("flame_in_shape").requires_grad_(true);
  const FlameOutput out = flame.forward(shape, ref("flame_in_exp"), pose);
  (out.landmarks2d.square().sum() + out.vertices.sum()).backward();
  ASSERT_TRUE(pose.grad().defined());
  EXPECT_TRUE(torch::isfinite(pose.grad()).all().item<bool>());
  EXPECT_GT(pose.grad().abs().sum().item<double>(), 0.0);
  EXPECT_GT(shape.grad().abs().sum().item<double>(), 0.0);
}

TEST_F(FlameReference, BadInputsAreErrors) {
  const Flame flame(*assets_, torch::kCPU);
  const at::Tensor shape = ref("flame_in_shape"), exp = ref("flame_in_exp");
  const at::Tensor pose = ref("flame_in_pose");
  EXPECT_NE(drig::test::error_of([&] {
              flame.forward(shape.narrow(1, 0, 99), exp, pose);
            }).find("shape must be (B, 100)"),
            std::string::npos);
  EXPECT_NE(drig::test::error_of([&] {
              flame.forward(shape, exp, pose.narrow(0, 0, 2));
            }).find("batch sizes differ"),
            std::string::npos);
  EXPECT_NE(drig::test::error_of([&] {
              project(flame.forward(shape, exp, pose), torch::ones({4}));
            }).find("cam must be (B,3)"),
            std::string::npos);
}

TEST_F(FlameReference, CudaMatchesCpu) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA device: the CPU path alone was checked";
  const Flame cpu(*assets_, torch::kCPU);
  const Flame gpu(*assets_, torch::Device(torch::kCUDA, 0));
  const FlameOutput a = run(cpu);
  const FlameOutput b = gpu.forward(ref("flame_in_shape").cuda(), ref("flame_in_exp").cuda(),
                                    ref("flame_in_pose").cuda());
  ASSERT_TRUE(b.vertices.is_cuda());
  EXPECT_TENSOR_NEAR(b.vertices.cpu(), a.vertices, 1e-5);
  EXPECT_TENSOR_NEAR(b.landmarks2d.cpu(), a.landmarks2d, 1e-5);
  EXPECT_TENSOR_NEAR(b.landmarks3d.cpu(), a.landmarks3d, 1e-5);
  EXPECT_TENSOR_NEAR(b.joints.cpu(), a.joints, 1e-5);
  EXPECT_TRUE(torch::equal(b.dynamic_rows.cpu(), a.dynamic_rows));
  const at::Tensor cam = ref("flame_in_cam");
  EXPECT_TENSOR_NEAR(project(b, cam.cuda()).trans_verts.cpu(), project(a, cam).trans_verts, 1e-4);
  EXPECT_TENSOR_NEAR(vertex_normals(b.vertices, gpu.assets().faces).cpu(),
                     vertex_normals(a.vertices, cpu.assets().faces), 1e-5);
  const at::Tensor normals = ref("sh_in_normals"), light = ref("sh_in_light");
  EXPECT_TENSOR_NEAR(sh_shading(normals.cuda(), light.cuda()).cpu(), sh_shading(normals, light),
                     1e-5);
  const FlameTexture tex_cpu(deca("data/FLAME_texture.npz"), FlameTexture::Kind::Flame, 50,
                             torch::kCPU);
  const FlameTexture tex_gpu(deca("data/FLAME_texture.npz"), FlameTexture::Kind::Flame, 50,
                             torch::Device(torch::kCUDA, 0));
  const at::Tensor code = ref("albedo_in_texcode");
  EXPECT_TENSOR_NEAR(tex_gpu.albedo(code.cuda()).cpu(), tex_cpu.albedo(code), 1e-5);
}

TEST(FlameShading, ShMatchesDeca) {
  DRIG_REQUIRE_SHARED();
  const auto& c = sh_constants();
  const at::Tensor constants =
      torch::tensor(std::vector<double>(c.begin(), c.end())).to(torch::kFloat);
  expect_reference(constants, "sh_constant_factor");
  expect_reference(sh_shading(ref("sh_in_normals"), ref("sh_in_light")), "sh_shading");
  EXPECT_NE(drig::test::error_of([] {
              sh_shading(torch::zeros({1, 3, 2, 2}), torch::zeros({1, 3, 9}));
            }).find("light must be (B,9,3)"),
            std::string::npos);
}

TEST(FlameShading, AlbedoFromFlameTextureMatchesDeca) {
  DRIG_REQUIRE_SHARED();
  const FlameTexture texture(deca("data/FLAME_texture.npz"), FlameTexture::Kind::Flame, 50,
                             torch::kCPU);
  EXPECT_EQ(texture.resolution(), 16);
  expect_reference(texture.albedo(ref("albedo_in_texcode")), "albedo_uv");
}

TEST(FlameShading, AlbedoFromBfmSpace) {
  DRIG_REQUIRE_SHARED();
  const fs::path path = deca("data/FLAME_albedo_from_BFM.npz");
  const FlameTexture texture(path, FlameTexture::Kind::Bfm, 50, torch::kCPU);
  EXPECT_EQ(texture.resolution(), 16);
  // DECA's BFM branch has no /255: the zero code gives MU itself, upsampled and reversed.
  at::Tensor mu;
  for (auto& [name, array] : drig::formats::load_npz(path))
    if (name == "MU")
      mu = array.tensor.to(torch::kFloat);
  ASSERT_TRUE(mu.defined());
  const at::Tensor albedo = texture.albedo(torch::zeros({2, 50}));
  ASSERT_EQ(albedo.sizes(), (std::vector<int64_t>{2, 3, 256, 256}));
  const at::Tensor maps = mu.view({16, 16, 3});
  for (int64_t ch = 0; ch < 3; ++ch)
    for (int64_t y : {0, 17, 255})
      for (int64_t x : {0, 100, 255})
        EXPECT_FLOAT_EQ(albedo[1][ch][y][x].item<float>(),
                        maps[y / 16][x / 16][2 - ch].item<float>());
}

} // namespace
