#include "training/rig/buffer_tensors.h"

#include "model/base/error.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace drig::rendering {
namespace {

std::vector<float> floats(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU, at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<int32_t> ints(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU, at::kInt).contiguous();
  return std::vector<int32_t>(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel());
}

at::Tensor drop_batch(const at::Tensor& t, int64_t dims, const char* what) {
  at::Tensor x = t;
  if (x.dim() == dims + 1) {
    DRIG_CHECK(x.size(0) == 1, "{}: expected a batch of one, got {}", what, c10::str(t.sizes()));
    x = x.squeeze(0);
  }
  DRIG_CHECK(x.dim() == dims, "{}: unexpected shape {}", what, c10::str(t.sizes()));
  return x;
}

at::Tensor planes(const std::vector<float>& data, int64_t channels, int64_t h, int64_t w) {
  DRIG_CHECK(int64_t(data.size()) == channels * h * w, "render: a buffer has the wrong size");
  return at::from_blob(const_cast<float*>(data.data()), {channels, h, w}, at::kFloat).clone();
}

} // namespace

render::MeshTopology topology_from_obj(const face::ObjMesh& mesh) {
  render::MeshTopology t;
  t.num_vertices = int(mesh.vertices.size(0));
  t.uvs = floats(mesh.uvs);
  t.faces = ints(mesh.faces);
  t.uv_faces = ints(mesh.uv_faces);
  return t;
}

render::MeshPose pose_from_tensors(const at::Tensor& positions, const at::Tensor& normals) {
  const at::Tensor p = drop_batch(positions, 2, "render positions");
  const at::Tensor n = drop_batch(normals, 2, "render normals");
  DRIG_CHECK(p.size(1) == 3 && n.sizes() == p.sizes(), "render: positions {} and normals {} differ",
             c10::str(p.sizes()), c10::str(n.sizes()));
  return {floats(p), floats(n)};
}

render::AlbedoMap albedo_from_tensor(const at::Tensor& albedo) {
  const at::Tensor a = drop_batch(albedo, 3, "albedo map");
  DRIG_CHECK(a.size(0) == 3 && a.size(1) == a.size(2), "albedo map must be (3,S,S), got {}",
             c10::str(a.sizes()));
  return {int(a.size(1)), floats(a)};
}

render::ShLight light_from_tensor(const at::Tensor& light) {
  const at::Tensor l = drop_batch(light, 2, "SH light");
  DRIG_CHECK(l.size(0) == 9 && l.size(1) == 3, "SH light must be (9,3), got {}",
             c10::str(l.sizes()));
  const std::vector<float> v = floats(l);
  render::ShLight out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

at::Tensor light_to_tensor(const render::ShLight& light) {
  return at::from_blob(const_cast<float*>(light.data()), {1, 9, 3}, at::kFloat).clone();
}

at::Tensor physical_condition(const render::Buffers& b) {
  return at::cat({planes(b.rendered, 3, b.height, b.width), planes(b.normal, 3, b.height, b.width),
                  planes(b.albedo, 3, b.height, b.width)},
                 0);
}

at::Tensor alpha_tensor(const render::Buffers& b) {
  return planes(b.alpha, 1, b.height, b.width);
}

at::Tensor face_id_tensor(const render::Buffers& b) {
  DRIG_CHECK(int64_t(b.face_id.size()) == int64_t(b.width) * b.height, "render: face ids missing");
  return at::from_blob(const_cast<int32_t*>(b.face_id.data()), {b.height, b.width}, at::kInt)
      .to(at::kLong);
}

} // namespace drig::rendering
