// Wrong, missing and corrupt FLAME files must be a drig::Error that names the
// file and the problem, never a crash or a silently wrong model.
#include "model/base/atomic_file.h"
#include "model/face/flame.h"
#include "model/face/shading.h"
#include "model/formats/npy.h"
#include "model/formats/zip_archive.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::face;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

fs::path deca(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / "deca" / relative;
}

std::string original(const std::string& name) {
  return drig::read_file(deca("data/" + name));
}

// `bytes` with its only occurrence of `from` replaced by `to` (same length, so
// every offset and length field of the file stays valid).
std::string patched(std::string bytes, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(bytes.find(from, at + 1), std::string::npos) << "pattern not unique";
  return bytes.replace(at, from.size(), to);
}

std::string int64_bytes(std::initializer_list<int64_t> values) {
  std::string out;
  for (int64_t v : values)
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

class FlameFiles : public ::testing::Test {
protected:
  void SetUp() override { DRIG_REQUIRE_SHARED(); }

  // The error of loading `model` (bytes written as generic_model.pkl) with the real embedding.
  std::string model_error(const std::string& model, int n_exp = 50) {
    const fs::path pkl = dir_ / "generic_model.pkl";
    drig::write_file_atomic(pkl, model);
    return drig::test::error_of(
        [&] { load_flame_assets(pkl, deca("data/landmark_embedding.npy"), 100, n_exp); });
  }
  std::string embedding_error(const std::string& embedding) {
    const fs::path npy = dir_ / "landmark_embedding.npy";
    drig::write_file_atomic(npy, embedding);
    return drig::test::error_of([&] { load_flame_assets(deca("data/generic_model.pkl"), npy); });
  }

  drig::test::TempDir dir_{"flame_files"};
};

TEST_F(FlameFiles, GenericModelMissingOrNotAPickle) {
  const fs::path missing = dir_ / "nowhere" / "generic_model.pkl";
  EXPECT_THAT(drig::test::error_of(
                  [&] { load_flame_assets(missing, deca("data/landmark_embedding.npy")); }),
              AllOf(HasSubstr("cannot read"), HasSubstr(missing.string())));
  EXPECT_THAT(
      model_error("this is not a pickle at all"),
      AllOf(HasSubstr("generic_model.pkl"), HasSubstr("not a readable FLAME model pickle")));
  const std::string pkl = original("generic_model.pkl");
  EXPECT_THAT(
      model_error(pkl.substr(0, pkl.size() / 2)),
      AllOf(HasSubstr("generic_model.pkl"), HasSubstr("not a readable FLAME model pickle")));
  EXPECT_THAT(model_error(original("landmark_embedding.npy")),
              HasSubstr("generic_model.pkl: this is a NumPy .npy file"));
  EXPECT_THAT(model_error(drig::test::zip_with_first_member("model/data.pkl")),
              HasSubstr("this is a ZIP archive"));
  EXPECT_THAT(model_error("\x80\x02]."), HasSubstr("holds a list, expected the FLAME model dict"));
}

TEST_F(FlameFiles, GenericModelKeysAndShapes) {
  const std::string pkl = original("generic_model.pkl");
  EXPECT_THAT(model_error(patched(pkl, "v_template", "v_templatX")),
              HasSubstr("generic_model.pkl: missing key 'v_template'"));
  EXPECT_THAT(model_error(patched(pkl, "shapedirs", "shapedirZ")),
              HasSubstr("missing key 'shapedirs'"));
  // (58,3,400) -> (116,3,200): the same bytes, a wrong layout.
  EXPECT_THAT(
      model_error(patched(pkl, "K\x3aK\x03M\x90\x01", std::string("K\x74K\x03M\xc8\x00", 7))),
      HasSubstr("'shapedirs' has shape [116, 3, 200], expected [58, 3, *]"));
  EXPECT_THAT(model_error(pkl, 150),
              HasSubstr("'shapedirs' has 400 components, expected at least 450"));
  EXPECT_THAT(model_error(patched(pkl, "K\x3aK\x05\x86", "K\x1dK\x0a\x86")),
              HasSubstr("'weights' has shape [29, 10], expected [58, *]"));
  EXPECT_THAT(model_error(patched(pkl, "K\x3aK\x03K\x24", "K\x3aK\x06K\x12")),
              HasSubstr("'posedirs' has shape [58, 6, 18], expected [58, 3, 36]"));
  // A sixth (empty) regressor row: FLAME as DECA uses it has exactly five joints.
  EXPECT_THAT(model_error(patched(pkl, "_shapeq\x17K\x05", "_shapeq\x17K\x06")),
              HasSubstr("'J_regressor' has 6 rows, expected 5 joints"));
  EXPECT_THAT(model_error(patched(pkl, int64_bytes({4294967295LL, 0, 1}),
                                  int64_bytes({4294967295LL, 3, 1}))),
              HasSubstr("'kintree_table' gives joint 1 the parent 3"));
}

TEST_F(FlameFiles, GenericModelFaceIndicesInRange) {
  const std::string pkl = original("generic_model.pkl");
  // The face array is uint32 (104,3): find its bytes and point one corner past the vertices.
  const FlameAssets assets =
      load_flame_assets(deca("data/generic_model.pkl"), deca("data/landmark_embedding.npy"));
  const at::Tensor faces = assets.faces.to(torch::kInt).contiguous();
  const std::string face_bytes(static_cast<const char*>(faces.data_ptr()), faces.nbytes());
  std::string bad = face_bytes;
  const uint32_t outside = 58;
  bad.replace(0, 4, reinterpret_cast<const char*>(&outside), 4);
  EXPECT_THAT(model_error(patched(pkl, face_bytes, bad)),
              HasSubstr("'f' holds vertex index 58 outside [0, 58)"));
}

TEST_F(FlameFiles, LandmarkEmbeddingErrors) {
  const fs::path missing = dir_ / "landmark_embedding.npy";
  EXPECT_THAT(
      drig::test::error_of([&] { load_flame_assets(deca("data/generic_model.pkl"), missing); }),
      AllOf(HasSubstr("cannot read the FLAME landmark embedding"), HasSubstr(missing.string())));
  EXPECT_THAT(embedding_error("garbage bytes, not numpy"),
              AllOf(HasSubstr("landmark_embedding.npy"), HasSubstr("not a .npy file")));
  const std::string npy = original("landmark_embedding.npy");
  EXPECT_THAT(embedding_error(npy.substr(0, npy.size() - 100)),
              HasSubstr("cannot read the FLAME landmark embedding"));
  const fs::path numeric = dir_ / "numbers.npy";
  drig::formats::save_npy(numeric, torch::zeros({51, 3}));
  EXPECT_THAT(embedding_error(drig::read_file(numeric)),
              HasSubstr("a numeric array of shape [51, 3], expected a pickled landmark dict"));
  EXPECT_THAT(embedding_error(patched(npy, "static_lmk_faces_idx", "static_lmk_faces_idX")),
              HasSubstr("landmark_embedding.npy: missing key 'static_lmk_faces_idx'"));
  // Point the first static landmark at a face the model does not have.
  const at::Tensor idx = drig::formats::load_npy(deca("data/landmark_embedding.npy"))
                             .object->items[0]
                             ->get("static_lmk_faces_idx")
                             ->tensor.contiguous();
  // full_lmk_faces_idx repeats these values: take the array's BINBYTES opcode along.
  const auto size = static_cast<uint32_t>(idx.nbytes());
  const std::string values = "B" + std::string(reinterpret_cast<const char*>(&size), 4) +
                             std::string(static_cast<const char*>(idx.data_ptr()), idx.nbytes());
  std::string bad = values;
  const int64_t outside = 104;
  bad.replace(5, 8, reinterpret_cast<const char*>(&outside), 8);
  EXPECT_THAT(embedding_error(patched(npy, values, bad)),
              HasSubstr("'static_lmk_faces_idx' holds face index 104 outside [0, 104)"));
}

// An .npz written as np.savez does: stored members named <key>.npy.
void write_npz(const fs::path& path,
               const std::vector<std::pair<std::string, at::Tensor>>& arrays) {
  std::ofstream out(path, std::ios::binary);
  drig::formats::ZipWriter zip(out);
  for (const auto& [key, tensor] : arrays) {
    std::ostringstream npy;
    drig::formats::write_npy(npy, tensor);
    zip.add(key + ".npy", npy.str());
  }
  zip.finish();
}

TEST_F(FlameFiles, TextureSpaceErrors) {
  const auto error = [&](const fs::path& path, FlameTexture::Kind kind, int n_tex = 50) {
    return drig::test::error_of([&] { (void)FlameTexture(path, kind, n_tex, torch::kCPU); });
  };
  using Kind = FlameTexture::Kind;
  const fs::path npz = dir_ / "FLAME_texture.npz";
  EXPECT_THAT(error(npz, Kind::Flame),
              AllOf(HasSubstr("cannot read the FLAME texture space"), HasSubstr(npz.string())));
  drig::write_file_atomic(npz, "not a zip archive");
  EXPECT_THAT(error(npz, Kind::Flame), HasSubstr("cannot read the FLAME texture space"));
  const std::string real = original("FLAME_texture.npz");
  drig::write_file_atomic(npz, real.substr(0, real.size() / 2));
  EXPECT_THAT(error(npz, Kind::Flame), HasSubstr("cannot read the FLAME texture space"));

  // The BFM file where the FLAME one is expected, and the other way round.
  EXPECT_THAT(error(deca("data/FLAME_albedo_from_BFM.npz"), Kind::Flame),
              HasSubstr("missing key 'mean' (the file has: MU, PC, specMU, specPC)"));
  EXPECT_THAT(error(deca("data/FLAME_texture.npz"), Kind::Bfm),
              HasSubstr("missing key 'MU' (the file has: mean, tex_dir)"));

  write_npz(npz,
            {{"mean", torch::zeros({15, 16, 3})}, {"tex_dir", torch::zeros({15, 16, 3, 200})}});
  EXPECT_THAT(error(npz, Kind::Flame),
              HasSubstr("'mean' has shape [15, 16, 3] (720 values), expected a square RGB map"));
  write_npz(npz, {{"mean", torch::zeros({16, 16, 3})}, {"tex_dir", torch::zeros({16, 16, 200})}});
  EXPECT_THAT(error(npz, Kind::Flame),
              HasSubstr("'tex_dir' has shape [16, 16, 200], expected 768 values per component"));
  write_npz(npz, {{"mean", torch::zeros({16, 16, 3})}, {"tex_dir", torch::zeros({16, 16, 3, 20})}});
  EXPECT_THAT(error(npz, Kind::Flame), HasSubstr("n_tex = 50 but 'tex_dir' has 20 components"));
  write_npz(npz,
            {{"mean", torch::full({16, 16, 3}, NAN)}, {"tex_dir", torch::zeros({16, 16, 3, 50})}});
  EXPECT_THAT(error(npz, Kind::Flame), HasSubstr("NaN or infinite"));
  // A well-formed small space loads, whatever R is.
  write_npz(npz,
            {{"mean", torch::full({8, 8, 3}, 255.0)}, {"tex_dir", torch::zeros({8, 8, 3, 60})}});
  const FlameTexture small(npz, Kind::Flame, 50, torch::kCPU);
  EXPECT_EQ(small.resolution(), 8);
  EXPECT_TRUE(torch::allclose(small.albedo(torch::zeros({1, 50})), torch::ones({1, 3, 256, 256})));
  EXPECT_THAT(drig::test::error_of([&] {
                small.albedo(torch::zeros({1, 49}));
              }),
              HasSubstr("texcode must be float (B, 50)"));
}

} // namespace
