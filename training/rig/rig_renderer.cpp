#include "training/rig/rig_renderer.h"

#include "model/base/error.h"
#include "model/face/flame.h"
#include "model/face/obj_mesh.h"
#include "model/face/render_geometry.h"
#include "model/face/shading.h"
#include "training/rig/buffer_tensors.h"

#include <ATen/ATen.h>

#include <optional>

namespace fs = std::filesystem;

namespace drig::rendering {

struct RigRenderer::Impl {
  std::optional<face::Flame> flame;
  std::optional<face::FlameTexture> texture;
  std::unique_ptr<render::BufferRenderer> renderer;
  at::Tensor albedo_tex; // the texture code whose albedo the renderer holds
  render::MeshTopology topology;
};

RigRenderer::RigRenderer(const fs::path& assets_dir, render::RenderBackend backend)
    : impl_(std::make_unique<Impl>()) {
  DRIG_CHECK(fs::is_directory(assets_dir), "{}: the assets folder does not exist",
             assets_dir.string());
  const fs::path obj = assets_dir / "head_template.obj";
  impl_->flame.emplace(face::load_flame_assets(assets_dir / "generic_model.pkl",
                                               assets_dir / "landmark_embedding.npy"),
                       c10::Device(at::kCPU));
  const face::ObjMesh topology = face::load_obj(obj);
  const int64_t flame_vertices = impl_->flame->assets().v_template.size(0);
  DRIG_CHECK(topology.vertices.size(0) == flame_vertices,
             "{} has {} vertices but generic_model.pkl has {}: they are not the same FLAME "
             "template",
             obj.string(), topology.vertices.size(0), flame_vertices);
  DRIG_CHECK(at::equal(topology.faces, impl_->flame->assets().faces.to(at::kCPU)),
             "{}: its triangles differ from generic_model.pkl's", obj.string());
  const fs::path flame_tex = assets_dir / "FLAME_texture.npz",
                 bfm_tex = assets_dir / "FLAME_albedo_from_BFM.npz";
  if (fs::exists(flame_tex))
    impl_->texture.emplace(flame_tex, face::FlameTexture::Kind::Flame, 50, c10::Device(at::kCPU));
  else if (fs::exists(bfm_tex))
    impl_->texture.emplace(bfm_tex, face::FlameTexture::Kind::Bfm, 50, c10::Device(at::kCPU));
  else
    throw Error(fmt::format("{}: no albedo model (FLAME_texture.npz or FLAME_albedo_from_BFM.npz)",
                            assets_dir.string()));
  impl_->renderer = render::make_buffer_renderer(backend, &fallback_reason_);
  impl_->topology = topology_from_obj(topology);
  impl_->renderer->set_topology(impl_->topology);
}

RigRenderer::~RigRenderer() = default;

namespace {

std::array<double, 2> ffhq_center_of(const at::Tensor& landmarks2d) {
  const at::Tensor l = landmarks2d[0].to(at::kDouble);
  const at::Tensor eyes = (l.narrow(0, 36, 6).mean(0) + l.narrow(0, 42, 6).mean(0)) / 2;
  const at::Tensor mouth = (l[48] + l[54]) / 2;
  const at::Tensor c = (eyes + (mouth - eyes) * 0.1).contiguous();
  return {c[0].item<double>(), c[1].item<double>()};
}

} // namespace

RigRenderer::Geometry
RigRenderer::geometry(const face::DecaCode& code, const std::array<double, 9>& crop_tform, int size,
                      const std::optional<std::array<double, 2>>& keep_center) const {
  DRIG_CHECK(code.shape.defined() && code.shape.size(0) == 1, "render: one rig at a time");
  DRIG_CHECK(size >= 16 && size <= 4096, "render: size {} is outside 16..4096", size);
  const at::Tensor tform =
      at::tensor(std::vector<double>(crop_tform.begin(), crop_tform.end()), at::kDouble)
          .view({1, 3, 3})
          .to(at::kFloat);
  face::RenderGeometry g = face::render_geometry(*impl_->flame, code, tform, 256);
  Geometry out;
  out.ffhq_center = ffhq_center_of(g.landmarks2d);
  if (keep_center) {
    const double dx = (*keep_center)[0] - out.ffhq_center[0];
    const double dy = (*keep_center)[1] - out.ffhq_center[1];
    const at::Tensor shift = at::tensor({float(dx), float(dy)}, at::kFloat);
    g.positions = g.positions.clone();
    g.positions.narrow(2, 0, 2).add_(shift);
    g.landmarks2d = g.landmarks2d + shift;
    out.ffhq_center = *keep_center;
  }
  out.pose = pose_from_tensors(g.positions, g.normals);
  const at::Tensor px = ((g.landmarks2d[0] + 1) * (double(size) / 2)).contiguous();
  out.landmarks.assign(px.data_ptr<float>(), px.data_ptr<float>() + px.numel());
  return out;
}

const render::MeshTopology& RigRenderer::topology() const {
  return impl_->topology;
}

render::AlbedoMap RigRenderer::albedo(const at::Tensor& tex) const {
  return albedo_from_tensor(impl_->texture->albedo(tex.to(at::kCPU, at::kFloat)));
}

const face::Flame& RigRenderer::flame() const {
  return *impl_->flame;
}

RigRenderer::Output RigRenderer::render(const face::DecaCode& code,
                                        const std::array<double, 9>& crop_tform, int size,
                                        const std::optional<std::array<double, 2>>& keep_center) {
  Impl& m = *impl_;
  Geometry g = geometry(code, crop_tform, size, keep_center);
  if (!m.albedo_tex.defined() || !at::equal(m.albedo_tex, code.tex.to(at::kCPU, at::kFloat))) {
    m.albedo_tex = code.tex.to(at::kCPU, at::kFloat).clone();
    m.renderer->set_albedo(albedo(m.albedo_tex));
  }
  Output out;
  out.ffhq_center = g.ffhq_center;
  out.landmarks = std::move(g.landmarks);
  out.buffers = m.renderer->render(g.pose, light_from_tensor(code.light), size, size);
  return out;
}

std::string RigRenderer::backend_description() const {
  return impl_->renderer->description();
}

} // namespace drig::rendering
