// The face model's small file formats: pickled tensors (mean_shape.pkl, the
// LMDB values) and OBJ meshes.
#include "model/face/mean_shape.h"
#include "model/face/obj_mesh.h"
#include "model/formats/tensor_pickle.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using namespace drig;

namespace {

const std::string kPython =
    std::getenv("DRIG_PYTHON") ? std::getenv("DRIG_PYTHON") : "/usr/bin/python3";

bool python_has_torch() {
  static const bool has =
      test::run_command(kPython + " -c 'import torch' 2>/dev/null").exit_code == 0;
  return has;
}

} // namespace

TEST(TensorPickle, RoundTripsEveryDtypeAndShape) {
  for (const at::Tensor& t : {torch::randn({1, 100}), torch::randn({3, 4, 5}).to(torch::kDouble),
                              torch::arange(10, torch::kLong),
                              torch::randn({2, 3}).t() /* strided view */, torch::zeros({0, 3})}) {
    const at::Tensor back = formats::unpickle_tensor(formats::pickle_tensor(t), "test");
    EXPECT_EQ(back.sizes(), t.sizes());
    EXPECT_EQ(back.scalar_type(), t.scalar_type());
    EXPECT_TRUE(torch::equal(back, t));
  }
  EXPECT_NE(test::error_of([] { formats::unpickle_tensor("not a pickle", "x.pkl"); }).find("x.pkl"),
            std::string::npos);
}

TEST(MeanShape, ReadsTheOriginalFileAndWritesTheSameStructure) {
  DRIG_REQUIRE_SHARED();
  // The fixture's mean over 3 items of ((i*37 + k*11) % 101 - 50) / 100.
  const at::Tensor theirs =
      face::load_mean_shape(test::shared_dir() / "reference/lmdb/fixture.lmdb/mean_shape.pkl");
  at::Tensor shapes = torch::empty({3, 100});
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 100; ++k)
      shapes[i][k] = float(((i * 37 + k * 11) % 101) - 50) / 100.0f;
  const at::Tensor ours = face::mean_shape_of(shapes);
  EXPECT_TRUE(torch::equal(ours, theirs)) << (ours - theirs).abs().max();

  test::TempDir tmp("mean_shape");
  face::save_mean_shape(tmp / "mean_shape.pkl", ours);
  EXPECT_TRUE(torch::equal(face::load_mean_shape(tmp / "mean_shape.pkl"), ours));
  std::ofstream(tmp / "bad.pkl") << "garbage";
  EXPECT_NE(test::error_of([&] { face::load_mean_shape(tmp / "bad.pkl"); }).find("bad.pkl"),
            std::string::npos);
  formats::pickle_tensor(torch::zeros({5}));
  std::ofstream(tmp / "vector.pkl", std::ios::binary) << formats::pickle_tensor(torch::zeros({5}));
  EXPECT_NE(test::error_of([&] {
              face::load_mean_shape(tmp / "vector.pkl");
            }).find("expected a (1, N) float mean shape"),
            std::string::npos);
}

TEST(MeanShape, PythonsPickleLoadReadsOurs) {
  if (!python_has_torch())
    GTEST_SKIP() << kPython << " has no torch (apt-get install python3-torch)";
  test::TempDir tmp("mean_shape_python");
  const at::Tensor mean = torch::randn({1, 100});
  face::save_mean_shape(tmp / "cpu.pkl", mean, "cpu");
  face::save_mean_shape(tmp / "cuda.pkl", mean, "cuda:0");
  const auto cpu =
      test::run_command(kPython +
                        " -c \"import pickle,torch,sys; t=pickle.load(open(sys.argv[1],'rb')); "
                        "print(t.shape[0], t.shape[1], repr(float(t.double().sum())))\" " +
                        (tmp / "cpu.pkl").string());
  ASSERT_EQ(cpu.exit_code, 0) << cpu.out;
  EXPECT_EQ(cpu.out.substr(0, 6), "1 100 ");
  EXPECT_NEAR(std::stod(cpu.out.substr(6)), mean.to(torch::kDouble).sum().item<double>(), 1e-9);
  if (!torch::cuda::is_available()) {
    // As with the original's file: plain pickle.load needs CUDA for a cuda:0 storage.
    const auto cuda = test::run_command(
        kPython + " -c \"import pickle,sys; pickle.load(open(sys.argv[1],'rb'))\" " +
        (tmp / "cuda.pkl").string() + " 2>&1");
    EXPECT_NE(cuda.exit_code, 0);
    EXPECT_NE(cuda.out.find("CUDA"), std::string::npos) << cuda.out;
  }
}

TEST(ObjMesh, ReadsTheTemplateAndWritesAMeshThatReadsBack) {
  DRIG_REQUIRE_SHARED();
  const face::ObjMesh mesh =
      face::load_obj(test::shared_dir() / "reference/deca/data/head_template.obj");
  EXPECT_EQ(mesh.vertices.size(0), 58);
  EXPECT_EQ(mesh.uvs.size(0), 64);
  EXPECT_EQ(mesh.faces.size(0), 104);
  test::TempDir tmp("obj_mesh");
  const at::Tensor moved = mesh.vertices + 0.25f;
  face::save_obj(tmp / "fit.obj", moved, mesh);
  const face::ObjMesh back = face::load_obj(tmp / "fit.obj");
  EXPECT_TRUE(torch::allclose(back.vertices, moved, 0, 1e-6));
  EXPECT_TRUE(torch::equal(back.faces, mesh.faces));
  EXPECT_TRUE(torch::equal(back.uv_faces, mesh.uv_faces));
  EXPECT_TRUE(torch::allclose(back.uvs, mesh.uvs, 0, 1e-6));
}

TEST(ObjMesh, MalformedFilesNameTheLine) {
  test::TempDir tmp("obj_bad");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp / name) << text;
    return test::error_of([&] { face::load_obj(tmp / name); });
  };
  const std::string head = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nvt 0 0\nvt 1 0\nvt 0 1\n";
  EXPECT_NE(write("quad.obj", head + "f 1/1 2/2 3/3 4/1\n").find("quad.obj:8: only triangles"),
            std::string::npos);
  EXPECT_NE(write("nouv.obj", head + "f 1 2 3\n").find("has no UV index"), std::string::npos);
  EXPECT_NE(write("range.obj", head + "f 1/1 2/2 9/3\n").find("uses vertex 9 of 4"),
            std::string::npos);
  EXPECT_NE(write("text.obj", "v a b c\n").find("text.obj:1: 'a' is not a number"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { face::load_obj(tmp / "missing.obj"); }).find("missing.obj"),
            std::string::npos);
}
