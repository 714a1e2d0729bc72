// FLAME forward as DECA runs it (README section 5): blendshapes, linear blend
// skinning and the 68 landmarks, batched and on whatever device holds the assets.
#include "model/face/flame.h"

#include "model/base/error.h"

#include <torch/torch.h>

#include <cmath>
#include <utility>

namespace drig::face {
namespace {

constexpr int64_t kNeck = 1;
constexpr int64_t kContourClamp = 39; // degrees; rows 0..39 one side, 40..78 the other

// Axis-angle (N,3) to rotation matrices (N,3,3). DECA adds the eps to the
// vector before the norm, not to the norm: that is what the references hold.
at::Tensor batch_rodrigues(const at::Tensor& rot_vecs) {
  const int64_t n = rot_vecs.size(0);
  const at::Tensor angle = at::linalg_vector_norm(rot_vecs + 1e-8, 2, {1}, /*keepdim=*/true);
  const at::Tensor dir = rot_vecs / angle;
  const at::Tensor cos = angle.cos().unsqueeze(1), sin = angle.sin().unsqueeze(1);
  const at::Tensor rx = dir.narrow(1, 0, 1), ry = dir.narrow(1, 1, 1), rz = dir.narrow(1, 2, 1);
  const at::Tensor zeros = at::zeros({n, 1}, rot_vecs.options());
  const at::Tensor k = at::cat({zeros, -rz, ry, rz, zeros, -rx, -ry, rx, zeros}, 1).view({n, 3, 3});
  const at::Tensor ident = at::eye(3, rot_vecs.options()).unsqueeze(0);
  return ident + sin * k + (1 - cos) * at::bmm(k, k);
}

// rot (B,J,3,3), joints (B,J,3) -> posed joints (B,J,3) and the skinning
// transforms (B,J,4,4) that map rest-pose points (not joint-relative ones).
std::pair<at::Tensor, at::Tensor> rigid_transform(const at::Tensor& rot, const at::Tensor& joints,
                                                  const std::vector<int64_t>& parents) {
  const int64_t n_joints = joints.size(1);
  std::vector<at::Tensor> rel{joints.select(1, 0)};
  for (int64_t i = 1; i < n_joints; ++i)
    rel.push_back(joints.select(1, i) - joints.select(1, parents[static_cast<size_t>(i)]));
  const at::Tensor rel_joints = at::stack(rel, 1).unsqueeze(-1); // (B,J,3,1)
  const at::Tensor local = at::cat(
      {at::constant_pad_nd(rot, {0, 0, 0, 1}, 0), at::constant_pad_nd(rel_joints, {0, 0, 0, 1}, 1)},
      -1); // (B,J,4,4)
  std::vector<at::Tensor> chain{local.select(1, 0)};
  for (int64_t i = 1; i < n_joints; ++i)
    chain.push_back(at::matmul(chain[static_cast<size_t>(parents[static_cast<size_t>(i)])],
                               local.select(1, i)));
  const at::Tensor transforms = at::stack(chain, 1);
  using at::indexing::Slice;
  const at::Tensor posed_joints = transforms.index({Slice(), Slice(), Slice(0, 3), 3});
  const at::Tensor joints_homogen = at::constant_pad_nd(joints.unsqueeze(-1), {0, 0, 0, 1}, 0);
  const at::Tensor moved = at::constant_pad_nd(at::matmul(transforms, joints_homogen), {3, 0}, 0);
  return {posed_joints, transforms - moved};
}

// Points on faces: faces[idx] picks each landmark's triangle, bary weights its corners.
// vertices (B,V,3), faces (F,3), idx (B,L), bary (B,L,3) -> (B,L,3).
at::Tensor vertices_to_landmarks(const at::Tensor& vertices, const at::Tensor& faces,
                                 const at::Tensor& idx, const at::Tensor& bary) {
  const int64_t b = vertices.size(0), v = vertices.size(1), l = idx.size(1);
  const at::Tensor corners = faces.index_select(0, idx.reshape({-1})).view({b, l * 3});
  const at::Tensor offset =
      at::arange(b, idx.options()).mul(v).unsqueeze(1); // rows of the flattened batch
  const at::Tensor picked = vertices.reshape({-1, 3})
                                .index_select(0, (corners + offset).reshape({-1}))
                                .view({b, l, 3, 3});
  return (picked * bary.unsqueeze(-1)).sum(2);
}

// The dynamic-contour row from the head's yaw (global x neck), DECA's own rule
// (FLAME.py:121-129): no minus sign on the angle, clamp at 39, mirrored rows.
at::Tensor contour_rows(const at::Tensor& rot) {
  const at::Tensor rel = at::matmul(rot.select(1, 0), rot.select(1, kNeck));
  const at::Tensor r00 = rel.select(1, 0).select(1, 0), r10 = rel.select(1, 1).select(1, 0),
                   r20 = rel.select(1, 2).select(1, 0);
  const at::Tensor yaw = at::atan2(-r20, (r00 * r00 + r10 * r10).sqrt());
  const at::Tensor angle =
      at::round(at::clamp_max(yaw * 180.0 / M_PI, static_cast<double>(kContourClamp)))
          .to(at::kLong);
  const at::Tensor far = angle.lt(-kContourClamp);
  const at::Tensor negative_row =
      at::where(far, at::full_like(angle, 2 * kContourClamp), kContourClamp - angle);
  return at::where(angle.lt(0), negative_row, angle);
}

void check_input(const at::Tensor& t, int64_t columns, const char* name, const char* meaning) {
  DRIG_CHECK(t.defined() && t.dim() == 2 && t.size(1) == columns,
             "FLAME: {} must be (B, {}) ({}), got {}", name, columns, meaning,
             t.defined() ? c10::str(t.sizes()) : std::string("no tensor"));
  DRIG_CHECK(t.is_floating_point(), "FLAME: {} must be floating point, got {}", name,
             c10::toString(t.scalar_type()));
}

} // namespace

Flame::Flame(FlameAssets assets, c10::Device device) : assets_(std::move(assets)), device_(device) {
  FlameAssets& a = assets_;
  DRIG_CHECK(a.v_template.defined() && a.shapedirs.defined() && a.posedirs.defined() &&
                 a.j_regressor.defined() && a.lbs_weights.defined() && a.faces.defined() &&
                 a.static_lmk_faces_idx.defined() && a.dynamic_lmk_faces_idx.defined() &&
                 a.full_lmk_faces_idx.defined(),
             "FLAME: incomplete assets (use load_flame_assets)");
  DRIG_CHECK(a.shapedirs.dim() == 3 && a.shapedirs.size(2) == a.n_shape + a.n_exp,
             "FLAME: shapedirs {} does not hold n_shape {} + n_exp {} components",
             c10::str(a.shapedirs.sizes()), a.n_shape, a.n_exp);
  DRIG_CHECK(a.parents.size() == 5 && a.j_regressor.size(0) == 5,
             "FLAME: expected 5 joints, got {} parents", a.parents.size());
  for (size_t i = 1; i < a.parents.size(); ++i)
    DRIG_CHECK(a.parents[i] >= 0 && a.parents[i] < static_cast<int64_t>(i),
               "FLAME: joint {} has parent {}, expected an earlier joint", i, a.parents[i]);
  const auto to_float = [&](at::Tensor& t) { t = t.to(device_, at::kFloat).contiguous(); };
  const auto to_long = [&](at::Tensor& t) { t = t.to(device_, at::kLong).contiguous(); };
  for (at::Tensor* t : {&a.v_template, &a.shapedirs, &a.posedirs, &a.j_regressor, &a.lbs_weights,
                        &a.static_lmk_bary, &a.dynamic_lmk_bary, &a.full_lmk_bary})
    to_float(*t);
  for (at::Tensor* t :
       {&a.faces, &a.static_lmk_faces_idx, &a.dynamic_lmk_faces_idx, &a.full_lmk_faces_idx})
    to_long(*t);
}

FlameOutput Flame::forward(const at::Tensor& shape, const at::Tensor& exp,
                           const at::Tensor& pose) const {
  const FlameAssets& a = assets_;
  check_input(shape, a.n_shape, "shape", "shape code");
  check_input(exp, a.n_exp, "exp", "expression code");
  check_input(pose, 6, "pose", "global | jaw axis-angle");
  const int64_t b = shape.size(0);
  DRIG_CHECK(exp.size(0) == b && pose.size(0) == b,
             "FLAME: batch sizes differ: shape {}, exp {}, pose {}", b, exp.size(0), pose.size(0));
  const int64_t v = a.v_template.size(0);
  const auto opts = a.v_template.options();
  const at::Tensor betas = at::cat({shape.to(device_, at::kFloat), exp.to(device_, at::kFloat)}, 1);
  const at::Tensor pose_f = pose.to(device_, at::kFloat);

  // Blendshapes, then joints from the SHAPED (not posed) vertices.
  const at::Tensor v_shaped =
      a.v_template + at::matmul(betas, a.shapedirs.view({v * 3, -1}).t()).view({b, v, 3});
  const at::Tensor joints = at::matmul(a.j_regressor, v_shaped);

  // The neck and eyes are DECA's zero parameters.
  const at::Tensor zeros3 = at::zeros({b, 3}, opts);
  const at::Tensor full_pose =
      at::cat({pose_f.narrow(1, 0, 3), zeros3, pose_f.narrow(1, 3, 3), zeros3, zeros3}, 1);
  const int64_t n_joints = static_cast<int64_t>(a.parents.size());
  const at::Tensor rot = batch_rodrigues(full_pose.view({-1, 3})).view({b, n_joints, 3, 3});

  const at::Tensor pose_feature =
      (rot.narrow(1, 1, n_joints - 1) - at::eye(3, opts)).reshape({b, -1});
  const at::Tensor v_posed = v_shaped + at::matmul(pose_feature, a.posedirs).view({b, v, 3});

  auto [posed_joints, transforms] = rigid_transform(rot, joints, a.parents);
  const at::Tensor skin =
      at::matmul(a.lbs_weights, transforms.reshape({b, n_joints, 16})).view({b, v, 4, 4});
  const at::Tensor v_homo = at::cat({v_posed, at::ones({b, v, 1}, opts)}, 2).unsqueeze(-1);
  using at::indexing::Slice;
  const at::Tensor vertices = at::matmul(skin, v_homo).index({Slice(), Slice(), Slice(0, 3), 0});

  const at::Tensor rows = contour_rows(rot);
  const int64_t n_static = a.static_lmk_faces_idx.size(0);
  const at::Tensor lmk_idx = at::cat({a.dynamic_lmk_faces_idx.index_select(0, rows),
                                      a.static_lmk_faces_idx.unsqueeze(0).expand({b, n_static})},
                                     1);
  const at::Tensor lmk_bary = at::cat({a.dynamic_lmk_bary.index_select(0, rows),
                                       a.static_lmk_bary.unsqueeze(0).expand({b, n_static, 3})},
                                      1);
  const int64_t n_full = a.full_lmk_faces_idx.size(0);

  FlameOutput out;
  out.vertices = vertices;
  out.landmarks2d = vertices_to_landmarks(vertices, a.faces, lmk_idx, lmk_bary);
  out.landmarks3d = vertices_to_landmarks(vertices, a.faces,
                                          a.full_lmk_faces_idx.unsqueeze(0).expand({b, n_full}),
                                          a.full_lmk_bary.unsqueeze(0).expand({b, n_full, 3}));
  out.joints = posed_joints;
  out.dynamic_rows = rows;
  return out;
}

} // namespace drig::face
