// The physical buffers against DiffusionRig's renderer on the DECA fixtures
// (../shared/reference/deca, README sections 7 and 9): the CPU reference
// rasterizer and the OpenGL renderer, at the crop's 64x64 and through the
// render_orig path at 256x256.
#include "model/face/flame.h"
#include "model/face/obj_mesh.h"
#include "model/face/render_geometry.h"
#include "model/face/shading.h"
#include "model/formats/npy.h"
#include "render/buffer_renderer.h"
#include "render/cpu_rasterizer.h"
#include "render/headless_gl.h"
#include "tests/support/test_paths.h"
#include "training/rig/buffer_tensors.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <iostream>

namespace fs = std::filesystem;
using namespace drig;

namespace {

fs::path deca(const std::string& relative) {
  return test::shared_dir() / "reference" / "deca" / relative;
}

at::Tensor ref(const std::string& name) {
  return formats::load_npy(deca("ref/" + name + ".npy")).tensor;
}

// pytorch3d packs face ids over the batch: case b's faces start at b * F.
at::Tensor unpacked_faces(const std::string& name, int64_t b, int64_t num_faces) {
  const at::Tensor packed = ref(name)[b];
  return at::where(packed.ge(0), packed - b * num_faces, packed);
}

struct Case {
  render::MeshTopology topology;
  render::MeshPose pose;
  render::AlbedoMap albedo;
  render::ShLight light;
};

Case crop_case(int64_t b) {
  const face::ObjMesh obj = face::load_obj(deca("data/head_template.obj"));
  const face::FlameTexture texture(deca("data/FLAME_texture.npz"), face::FlameTexture::Kind::Flame,
                                   50, c10::Device(at::kCPU));
  Case c;
  c.topology = rendering::topology_from_obj(obj);
  c.pose = rendering::pose_from_tensors(ref("proj_trans_verts")[b], ref("flame_vertex_normals")[b]);
  c.albedo =
      rendering::albedo_from_tensor(texture.albedo(ref("render_in_texcode").narrow(0, b, 1)));
  c.light = rendering::light_from_tensor(ref("render_in_light")[b]);
  return c;
}

// Compares buffers with the reference where both see the same triangle; the
// pixels they disagree on must be few (edge pixels: the original's
// rasterizer stub and ours may round an edge test differently).
struct Agreement {
  int64_t covered = 0, disagree = 0;
  double max_error = 0;
};

Agreement compare(const render::Buffers& ours, const at::Tensor& ref_face,
                  const at::Tensor& ref_cond, const at::Tensor& ref_alpha) {
  const at::Tensor face = rendering::face_id_tensor(ours);
  const at::Tensor same = face.eq(ref_face);
  Agreement a;
  a.covered = ref_face.ge(0).sum().item<int64_t>();
  a.disagree = (~same).sum().item<int64_t>();
  const at::Tensor cond = rendering::physical_condition(ours);
  const at::Tensor mask = same.unsqueeze(0).expand_as(cond);
  a.max_error = (cond - ref_cond).abs().masked_select(mask).max().item<double>();
  const at::Tensor alpha = rendering::alpha_tensor(ours);
  a.max_error = std::max(
      a.max_error, (alpha - ref_alpha).abs().masked_select(same.unsqueeze(0)).max().item<double>());
  return a;
}

at::Tensor crop_cond(int64_t b) {
  return at::cat({ref("render64_images")[b], ref("render64_normal_images")[b],
                  ref("render64_albedo_images")[b]},
                 0);
}

bool have_gl() {
  return probe_headless_gl().ok;
}

class ReferenceRender : public ::testing::Test {
protected:
  void SetUp() override { DRIG_REQUIRE_SHARED(); }
};

} // namespace

TEST_F(ReferenceRender, CpuRasterizerMatchesTheCropRenders) {
  for (int64_t b = 0; b < 4; ++b) {
    const Case c = crop_case(b);
    const render::Buffers ours = render::render_cpu(c.topology, c.pose, c.albedo, c.light, 64, 64);
    const Agreement a =
        compare(ours, unpacked_faces("render64_pix_to_face", b, c.topology.num_faces()),
                crop_cond(b), ref("render64_alpha_images")[b]);
    std::cout << "[ crop64 cpu ] case " << b << ": " << a.disagree << " of " << a.covered
              << " pixels differ in coverage, max error " << a.max_error << "\n";
    EXPECT_LE(a.disagree, 2) << "case " << b;
    EXPECT_LT(a.max_error, 2e-5) << "case " << b;
  }
}

TEST_F(ReferenceRender, CpuBarycentricsMatch) {
  const Case c = crop_case(1);
  const render::Fragments f = render::rasterize_cpu(c.topology, c.pose.positions, 64, 64);
  const at::Tensor bary = ref("render64_bary")[1].contiguous(); // (64,64,3)
  const at::Tensor faces = unpacked_faces("render64_pix_to_face", 1, c.topology.num_faces());
  double worst = 0;
  for (int64_t i = 0; i < 64 * 64; ++i)
    if (f.face_id[size_t(i)] >= 0 && faces.view(-1)[i].item<int64_t>() == f.face_id[size_t(i)])
      for (int64_t k = 0; k < 3; ++k)
        worst = std::max(worst, std::abs(double(f.bary[size_t(i * 3 + k)]) -
                                         bary.view({-1, 3})[i][k].item<double>()));
  EXPECT_LT(worst, 1e-5);
}

TEST_F(ReferenceRender, ShadingOfTheRenderEqualsTheTensorShading) {
  // The rendered buffer is albedo x the same SH shading model/face computes.
  const Case c = crop_case(2);
  const render::Buffers ours = render::render_cpu(c.topology, c.pose, c.albedo, c.light, 64, 64);
  const at::Tensor cond = rendering::physical_condition(ours);
  const at::Tensor shading = face::sh_shading(cond.narrow(0, 3, 3).unsqueeze(0),
                                              ref("render_in_light").narrow(0, 2, 1))[0];
  const at::Tensor expected = cond.narrow(0, 6, 3) * shading * rendering::alpha_tensor(ours);
  EXPECT_LT((cond.narrow(0, 0, 3) - expected).abs().max().item<double>(), 1e-5);
  EXPECT_LT((shading - ref("render64_shading_images")[2]).abs().max().item<double>(), 1e-5);
}

TEST_F(ReferenceRender, CropToImageNdcMatchesTransformPoints) {
  const at::Tensor tform = ref("preprocess/drig_tform").to(at::kFloat).unsqueeze(0);
  const at::Tensor expected = ref("render256_trans_verts");
  const at::Tensor ours =
      face::crop_to_image_ndc(ref("proj_trans_verts").narrow(0, 1, 1), tform, 224, 256, 256);
  ASSERT_EQ(ours.sizes(), expected.sizes());
  EXPECT_LT((ours - expected).abs().max().item<double>(), 1e-5);
  // The fixture's inverse-transpose is what we compute internally.
  EXPECT_LT((at::inverse(tform[0]).t() - ref("render256_in_tform_invT").view({3, 3}))
                .abs()
                .max()
                .item<double>(),
            1e-5);
}

TEST_F(ReferenceRender, PhysicalConditionAt256MatchesRenderOrig) {
  // The fixture renders FLAME case 1 (index 1) this way.
  Case c = crop_case(1);
  c.pose =
      rendering::pose_from_tensors(ref("render256_trans_verts")[0], ref("flame_vertex_normals")[1]);
  const at::Tensor ref_face = ref("render256_pix_to_face")[0];
  const at::Tensor ref_cond = ref("render256_physic_cond")[0];
  const at::Tensor ref_alpha = ref("render256_alpha_images")[0];
  std::vector<std::unique_ptr<render::BufferRenderer>> renderers;
  renderers.push_back(render::make_buffer_renderer(render::RenderBackend::Cpu));
  if (have_gl())
    renderers.push_back(render::make_buffer_renderer(render::RenderBackend::OpenGl));
  else
    std::cout << "[ skipped ] OpenGL part: no headless OpenGL 3.3 context on this machine\n";
  for (auto& r : renderers) {
    r->set_topology(c.topology);
    r->set_albedo(c.albedo);
    const render::Buffers ours = r->render(c.pose, c.light, 256, 256);
    const Agreement a = compare(ours, ref_face, ref_cond, ref_alpha);
    std::cout << "[ orig256 ] " << r->description() << ": " << a.disagree << " of " << a.covered
              << " pixels differ in coverage, max error " << a.max_error << "\n";
    EXPECT_LE(double(a.disagree), 0.005 * double(a.covered)) << r->description();
    EXPECT_LT(a.max_error, 1e-3) << r->description();
  }
}

TEST_F(ReferenceRender, OpenGlMatchesTheCropRenders) {
  if (!have_gl())
    GTEST_SKIP() << "no headless OpenGL 3.3 context on this machine";
  auto gl = render::make_buffer_renderer(render::RenderBackend::OpenGl);
  for (int64_t b = 0; b < 4; ++b) {
    const Case c = crop_case(b);
    gl->set_topology(c.topology);
    gl->set_albedo(c.albedo);
    const render::Buffers ours = gl->render(c.pose, c.light, 64, 64);
    const Agreement a =
        compare(ours, unpacked_faces("render64_pix_to_face", b, c.topology.num_faces()),
                crop_cond(b), ref("render64_alpha_images")[b]);
    std::cout << "[ crop64 gl ] case " << b << ": " << a.disagree << " of " << a.covered
              << " pixels differ in coverage, max error " << a.max_error << "\n";
    EXPECT_LE(double(a.disagree), std::max(2.0, 0.005 * double(a.covered))) << "case " << b;
    EXPECT_LT(a.max_error, 1e-3) << "case " << b;
  }
}
