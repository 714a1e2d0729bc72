// Reading FLAME 2020 (generic_model.pkl) and DECA's landmark embedding into
// FlameAssets. Layout facts: ../shared/reference/deca/README.md section 2.
#include "model/face/flame.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/npy.h"
#include "model/formats/pickle.h"

#include <torch/torch.h>

#include <string>
#include <string_view>

namespace drig::face {
namespace {

using formats::PickleRef;
using formats::PickleValue;
using K = PickleValue::Kind;

// DECA builds full_pose from exactly these joints: global, neck, jaw, two eyes.
constexpr int64_t kJoints = 5;
// DECA slices expression components from this offset (FLAME.py:55-56).
constexpr int64_t kShapeComponents = 300;
// The contour rule picks rows 0..78 (39 per side plus the front).
constexpr int64_t kContourRows = 79;

std::string dims(const at::Tensor& t) {
  return c10::str(t.sizes());
}

// The numeric array under `key`; `integral` asks for indices, else real values.
at::Tensor array_entry(const PickleValue& dict, const char* key, bool integral,
                       const std::string& file) {
  const PickleRef value = dict.get(key);
  DRIG_CHECK(value, "{}: missing key '{}'", file, key);
  DRIG_CHECK(value->kind == K::Tensor && value->tensor.defined(),
             "{}: '{}' is a {}, expected a numeric array", file, key, value->kind_name());
  const at::Tensor& t = value->tensor;
  const bool is_integral = at::isIntegralType(t.scalar_type(), /*includeBool=*/false);
  if (integral) {
    DRIG_CHECK(is_integral, "{}: '{}' has dtype {}, expected integer indices", file, key,
               c10::toString(t.scalar_type()));
    return t.to(at::kLong).contiguous();
  }
  DRIG_CHECK(is_integral || t.is_floating_point(), "{}: '{}' has dtype {}, expected numbers", file,
             key, c10::toString(t.scalar_type()));
  // A NaN here would spread through every vertex without any other symptom.
  DRIG_CHECK(t.numel() == 0 || at::isfinite(t).all().item<bool>(),
             "{}: '{}' holds NaN or infinite values", file, key);
  return t.to(at::kDouble).contiguous();
}

// `expected` uses -1 for "any size".
void expect_shape(const at::Tensor& t, std::vector<int64_t> expected, const std::string& file,
                  const char* key, std::string_view meaning) {
  bool ok = t.dim() == static_cast<int64_t>(expected.size());
  for (size_t i = 0; ok && i < expected.size(); ++i)
    ok = expected[i] < 0 || t.size(static_cast<int64_t>(i)) == expected[i];
  if (ok)
    return;
  std::string want = "[";
  for (size_t i = 0; i < expected.size(); ++i)
    want += (i ? ", " : "") + (expected[i] < 0 ? std::string("*") : std::to_string(expected[i]));
  fail("{}: '{}' has shape {}, expected {} ({})", file, key, dims(t), want + "]", meaning);
}

void expect_indices_below(const at::Tensor& idx, int64_t limit, const std::string& file,
                          const char* key, std::string_view what) {
  if (idx.numel() == 0)
    return;
  const int64_t lo = idx.min().item<int64_t>(), hi = idx.max().item<int64_t>();
  DRIG_CHECK(lo >= 0 && hi < limit, "{}: '{}' holds {} index {} outside [0, {})", file, key, what,
             lo < 0 ? lo : hi, limit);
}

PickleRef read_model_pickle(const std::filesystem::path& path, const std::string& file) {
  const std::string bytes = read_file(path);
  // Users mix up the DECA files; say which one this is rather than a pickle offset.
  if (bytes.rfind("\x93NUMPY", 0) == 0)
    fail("{}: this is a NumPy .npy file, not the FLAME model pickle (generic_model.pkl)", file);
  if (bytes.rfind("PK\x03\x04", 0) == 0)
    fail("{}: this is a ZIP archive (a torch checkpoint or .npz), not the FLAME model pickle",
         file);
  formats::UnpickleOptions options;
  options.encoding = "latin1"; // py2 str keys and array bytes must stay 1:1
  options.source = path.filename().string();
  PickleRef root;
  try {
    root = formats::unpickle(bytes, options);
  } catch (const Error& e) {
    fail("{}: not a readable FLAME model pickle: {}", file, e.what());
  }
  DRIG_CHECK(root->kind == K::Dict, "{}: the pickle holds a {}, expected the FLAME model dict",
             file, root->kind_name());
  return root;
}

void load_model(FlameAssets& a, const std::filesystem::path& path) {
  const std::string file = path.string();
  const PickleRef root = read_model_pickle(path, file);
  const PickleValue& d = *root;

  const at::Tensor v_template = array_entry(d, "v_template", false, file);
  expect_shape(v_template, {-1, 3}, file, "v_template", "vertices x 3");
  const int64_t V = v_template.size(0);
  DRIG_CHECK(V > 0, "{}: 'v_template' has no vertices", file);

  a.faces = array_entry(d, "f", true, file);
  expect_shape(a.faces, {-1, 3}, file, "f", "triangles x 3");
  DRIG_CHECK(a.faces.size(0) > 0, "{}: 'f' has no triangles", file);
  expect_indices_below(a.faces, V, file, "f", "vertex");

  const at::Tensor shapedirs = array_entry(d, "shapedirs", false, file);
  expect_shape(shapedirs, {V, 3, -1}, file, "shapedirs", "vertices x 3 x components");
  DRIG_CHECK(shapedirs.size(2) >= kShapeComponents + a.n_exp,
             "{}: 'shapedirs' has {} components, expected at least {} ({} shape + {} expression)",
             file, shapedirs.size(2), kShapeComponents + a.n_exp, kShapeComponents, a.n_exp);
  using at::indexing::Slice;
  a.shapedirs = at::cat({shapedirs.index({Slice(), Slice(), Slice(0, a.n_shape)}),
                         shapedirs.index({Slice(), Slice(),
                                          Slice(kShapeComponents, kShapeComponents + a.n_exp)})},
                        2)
                    .to(at::kFloat);
  a.v_template = v_template.to(at::kFloat);

  const at::Tensor regressor = array_entry(d, "J_regressor", false, file);
  expect_shape(regressor, {-1, V}, file, "J_regressor", "joints x vertices");
  DRIG_CHECK(regressor.size(0) == kJoints,
             "{}: 'J_regressor' has {} rows, expected {} joints (global, neck, jaw, eyes)", file,
             regressor.size(0), kJoints);
  a.j_regressor = regressor.to(at::kFloat);

  const at::Tensor weights = array_entry(d, "weights", false, file);
  expect_shape(weights, {V, -1}, file, "weights", "vertices x joints");
  DRIG_CHECK(weights.size(1) == regressor.size(0),
             "{}: 'weights' has {} columns but 'J_regressor' has {} rows (joints)", file,
             weights.size(1), regressor.size(0));
  a.lbs_weights = weights.to(at::kFloat);

  const at::Tensor kintree = array_entry(d, "kintree_table", true, file);
  expect_shape(kintree, {2, kJoints}, file, "kintree_table", "parents and joint ids");
  a.parents.assign(kJoints, -1); // row 0 of the root holds uint32 -1; DECA overwrites it
  for (int64_t i = 1; i < kJoints; ++i) {
    const int64_t parent = kintree[0][i].item<int64_t>();
    // The transform chain is built in joint order, so a parent must come first.
    DRIG_CHECK(parent >= 0 && parent < i,
               "{}: 'kintree_table' gives joint {} the parent {}, expected one of 0..{}", file, i,
               parent, i - 1);
    a.parents[static_cast<size_t>(i)] = parent;
  }

  const int64_t pose_basis = 9 * (kJoints - 1);
  const at::Tensor posedirs = array_entry(d, "posedirs", false, file);
  expect_shape(posedirs, {V, 3, pose_basis}, file, "posedirs",
               "vertices x 3 x 9 per non-root joint");
  a.posedirs = posedirs.reshape({-1, pose_basis}).t().contiguous().to(at::kFloat);
}

PickleRef read_embedding(const std::filesystem::path& path, const std::string& file) {
  formats::NpyArray array;
  try {
    formats::UnpickleOptions options;
    options.encoding = "latin1";
    options.source = path.filename().string();
    array = formats::load_npy(path, options);
  } catch (const Error& e) {
    fail("cannot read the FLAME landmark embedding {}: {}", file, e.what());
  }
  DRIG_CHECK(array.object, "{}: a numeric array of shape {}, expected a pickled landmark dict",
             file, c10::str(c10::IntArrayRef(array.shape)));
  PickleRef root = array.object;
  // np.save of a dict is a 0-d object array: its one element is the dict.
  if (root->kind == K::List && root->items.size() == 1)
    root = root->items[0];
  DRIG_CHECK(root->kind == K::Dict, "{}: the object array holds a {}, expected the landmark dict",
             file, root->kind_name());
  return root;
}

void load_embedding(FlameAssets& a, const std::filesystem::path& path) {
  const std::string file = path.string();
  const PickleRef root = read_embedding(path, file);
  const PickleValue& d = *root;
  const int64_t F = a.faces.size(0);

  a.static_lmk_faces_idx = array_entry(d, "static_lmk_faces_idx", true, file).reshape({-1});
  const int64_t n_static = a.static_lmk_faces_idx.size(0);
  expect_indices_below(a.static_lmk_faces_idx, F, file, "static_lmk_faces_idx", "face");
  a.static_lmk_bary = array_entry(d, "static_lmk_bary_coords", false, file);
  expect_shape(a.static_lmk_bary, {n_static, 3}, file, "static_lmk_bary_coords",
               "one barycentric triple per static landmark");

  a.dynamic_lmk_faces_idx = array_entry(d, "dynamic_lmk_faces_idx", true, file);
  expect_shape(a.dynamic_lmk_faces_idx, {kContourRows, -1}, file, "dynamic_lmk_faces_idx",
               "79 yaw rows x contour landmarks");
  const int64_t n_contour = a.dynamic_lmk_faces_idx.size(1);
  expect_indices_below(a.dynamic_lmk_faces_idx, F, file, "dynamic_lmk_faces_idx", "face");
  a.dynamic_lmk_bary = array_entry(d, "dynamic_lmk_bary_coords", false, file);
  expect_shape(a.dynamic_lmk_bary, {kContourRows, n_contour, 3}, file, "dynamic_lmk_bary_coords",
               "matching dynamic_lmk_faces_idx");

  at::Tensor full_idx = array_entry(d, "full_lmk_faces_idx", true, file);
  if (full_idx.dim() == 2 && full_idx.size(0) == 1)
    full_idx = full_idx[0]; // stored with a batch axis of 1
  expect_shape(full_idx, {n_contour + n_static}, file, "full_lmk_faces_idx",
               "contour + static landmarks");
  expect_indices_below(full_idx, F, file, "full_lmk_faces_idx", "face");
  a.full_lmk_faces_idx = full_idx;
  at::Tensor full_bary = array_entry(d, "full_lmk_bary_coords", false, file);
  if (full_bary.dim() == 3 && full_bary.size(0) == 1)
    full_bary = full_bary[0];
  expect_shape(full_bary, {full_idx.size(0), 3}, file, "full_lmk_bary_coords",
               "matching full_lmk_faces_idx");

  a.static_lmk_bary = a.static_lmk_bary.to(at::kFloat);
  a.dynamic_lmk_bary = a.dynamic_lmk_bary.to(at::kFloat);
  a.full_lmk_bary = full_bary.to(at::kFloat).contiguous();
}

} // namespace

FlameAssets load_flame_assets(const std::filesystem::path& generic_model_pkl,
                              const std::filesystem::path& landmark_embedding_npy, int n_shape,
                              int n_exp) {
  DRIG_CHECK(n_shape >= 0 && n_shape <= kShapeComponents,
             "FLAME: n_shape must be within 0..{}, got {}", kShapeComponents, n_shape);
  DRIG_CHECK(n_exp >= 0, "FLAME: n_exp must not be negative, got {}", n_exp);
  FlameAssets assets;
  assets.n_shape = n_shape;
  assets.n_exp = n_exp;
  load_model(assets, generic_model_pkl);
  load_embedding(assets, landmark_embedding_npy);
  return assets;
}

} // namespace drig::face
