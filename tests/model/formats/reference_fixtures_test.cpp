// The Python-made files in ../shared/reference read through the safe readers,
// checked against the facts recorded with them.
#include "model/diffusionrig_config.h"
#include "model/formats/model_inspect.h"
#include "model/formats/npy.h"
#include "model/formats/pickle.h"
#include "model/formats/torch_checkpoint.h"
#include "tests/support/keys_tsv.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::formats;
using K = PickleValue::Kind;

namespace {

fs::path reference(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / relative;
}

PickleRef unpickle_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  UnpickleOptions options;
  options.source = path.filename().string();
  return unpickle(buffer.str(), options);
}

} // namespace

TEST(ReferenceFixtures, FlameGenericModelPython2PickleWithChumpyAndScipy) {
  DRIG_REQUIRE_SHARED();
  const PickleRef root = unpickle_file(reference("deca/data/generic_model.pkl"));
  ASSERT_EQ(root->kind, K::Dict);
  const std::vector<std::string> keys = {"J_regressor", "f",        "kintree_table", "J",
                                         "weights",     "posedirs", "v_template",    "shapedirs",
                                         "bs_style",    "bs_type"};
  EXPECT_EQ(root->entries.size(), keys.size());
  for (const auto& key : keys)
    EXPECT_TRUE(root->get(key)) << key;
  EXPECT_EQ(root->get("v_template")->tensor.sizes(), (std::vector<int64_t>{58, 3}));
  EXPECT_EQ(root->get("f")->tensor.sizes(), (std::vector<int64_t>{104, 3}));
  EXPECT_EQ(root->get("shapedirs")->tensor.sizes(), (std::vector<int64_t>{58, 3, 400}));
  EXPECT_EQ(root->get("posedirs")->tensor.sizes(), (std::vector<int64_t>{58, 3, 36}));
  EXPECT_EQ(root->get("weights")->tensor.sizes(), (std::vector<int64_t>{58, 5}));
  const at::Tensor regressor = root->get("J_regressor")->tensor;
  ASSERT_EQ(regressor.sizes(), (std::vector<int64_t>{5, 58}));
  EXPECT_TENSOR_NEAR(regressor.sum(1), torch::ones({5}, regressor.options()), 1e-9);
  // J = J_regressor . v_template, as the fixture was made.
  EXPECT_TENSOR_NEAR(root->get("J")->tensor,
                     regressor.matmul(root->get("v_template")->tensor.to(regressor.dtype())), 1e-9);
  const at::Tensor kintree = root->get("kintree_table")->tensor;
  EXPECT_EQ(kintree[0][0].item<int64_t>(), 4294967295LL);
  EXPECT_EQ(root->get("bs_style")->as_string("bs_style"), "lbs");
}

TEST(ReferenceFixtures, LandmarkEmbeddingObjectArrayWithNestedTorchTensors) {
  DRIG_REQUIRE_SHARED();
  const NpyArray array = load_npy(reference("deca/data/landmark_embedding.npy"));
  ASSERT_TRUE(array.object);
  ASSERT_EQ(array.object->items.size(), 1u);
  const PickleRef dict = array.object->items[0];
  ASSERT_EQ(dict->kind, K::Dict);
  EXPECT_EQ(dict->get("static_lmk_faces_idx")->tensor.sizes(), (std::vector<int64_t>{51}));
  const at::Tensor bary = dict->get("static_lmk_bary_coords")->tensor;
  EXPECT_EQ(bary.sizes(), (std::vector<int64_t>{51, 3}));
  EXPECT_TENSOR_NEAR(bary.sum(1), torch::ones({51}, bary.options()), 1e-6);
  const at::Tensor dynamic = dict->get("dynamic_lmk_faces_idx")->tensor;
  EXPECT_EQ(dynamic.sizes(), (std::vector<int64_t>{79, 17}));
  EXPECT_EQ(dynamic.scalar_type(), at::kLong);
  EXPECT_GE(dynamic.min().item<int64_t>(), 0);
  EXPECT_LT(dynamic.max().item<int64_t>(), 104);
  EXPECT_EQ(dict->get("dynamic_lmk_bary_coords")->tensor.sizes(),
            (std::vector<int64_t>{79, 17, 3}));
  EXPECT_EQ(dict->get("full_lmk_faces_idx")->tensor.sizes(), (std::vector<int64_t>{1, 68}));
}

TEST(ReferenceFixtures, MeanShapePickledCudaTensor) {
  DRIG_REQUIRE_SHARED();
  const PickleRef mean = unpickle_file(reference("lmdb/fixture.lmdb/mean_shape.pkl"));
  ASSERT_EQ(mean->kind, K::Tensor);
  EXPECT_EQ(mean->tensor.sizes(), (std::vector<int64_t>{1, 100}));
  EXPECT_TRUE(mean->tensor.device().is_cpu());
  const PickleRef strided = unpickle_file(reference("lmdb/extra/normal_000000_hwc_strided.pkl"));
  ASSERT_EQ(strided->kind, K::Tensor);
  EXPECT_EQ(strided->tensor.stride(0), 1);
}

TEST(ReferenceFixtures, ConfigurationIsInferredFromTheWeightsAlone) {
  DRIG_REQUIRE_SHARED();
  const auto full = drig::infer_diffusionrig_config(
      drig::test::meta_state_dict(reference("diffusion/stage1_256_keys.tsv")));
  EXPECT_EQ(full.image_size, 256);
  EXPECT_EQ(full.model_channels, 128);
  EXPECT_EQ(full.in_channels, 12);
  EXPECT_EQ(full.num_res_blocks, 2);
  EXPECT_EQ(full.channel_mult, (std::vector<double>{1, 1, 2, 2, 4, 4}));
  EXPECT_EQ(full.attention_resolutions(), "16");
  EXPECT_EQ(full.latent_dim, 64);
  EXPECT_EQ(full.encoder_type, "resnet18");
  EXPECT_FALSE(full.learn_sigma);
  EXPECT_TRUE(full.use_scale_shift_norm);
  EXPECT_TRUE(full.resblock_updown);
  EXPECT_EQ(full.unet_parameters, 133'400'835);
  EXPECT_EQ(full.encoder_parameters, 11'209'344);

  const auto tiny = drig::infer_diffusionrig_config(
      drig::test::meta_state_dict(reference("diffusion/tiny/keys.tsv")));
  EXPECT_EQ(tiny.model_channels, 32);
  EXPECT_EQ(tiny.num_res_blocks, 1);
  EXPECT_EQ(tiny.channel_mult, (std::vector<double>{1, 2}));
  EXPECT_EQ(tiny.attention_ds, (std::vector<int>{2})); // "16" at image size 32
  EXPECT_EQ(tiny.latent_dim, 16);
  EXPECT_EQ(tiny.image_size, 0); // 1,2 is no default channel_mult: not in the weights
}

TEST(ReferenceFixtures, InspectIdentifiesEveryKnownModelFile) {
  DRIG_REQUIRE_SHARED();
  const auto deca = inspect_model_file(drig::test::extracted_fixture("deca/deca_model.tar"));
  EXPECT_EQ(deca.model_kind, "DECA model");
  EXPECT_EQ(deca.details->at("E_flame_outputs"), 236);
  const auto tiny = inspect_model_file(drig::test::extracted_fixture("tiny/model000000.pt"));
  EXPECT_NE(tiny.model_kind.find("DiffusionRig"), std::string::npos);
  EXPECT_EQ(tiny.details->at("latent_dim"), 16);
  EXPECT_EQ(tiny.tensor_count, 286);
  EXPECT_EQ(inspect_model_file(reference("deca/data/generic_model.pkl")).model_kind, "FLAME model");
  EXPECT_EQ(inspect_model_file(reference("deca/data/FLAME_texture.npz")).model_kind,
            "FLAME texture (albedo) space");
  EXPECT_EQ(inspect_model_file(reference("deca/data/landmark_embedding.npy")).model_kind,
            "FLAME landmark embedding");
  const auto mean = inspect_model_file(reference("lmdb/fixture.lmdb/mean_shape.pkl"));
  EXPECT_NE(mean.model_kind.find("mean shape"), std::string::npos);
  const std::string text = report_text(tiny);
  EXPECT_NE(text.find("denoisingUNet.input_blocks.0.0.weight: tensor [32, 12, 3, 3] Float"),
            std::string::npos)
      << text.substr(0, 2000);
}
