// Architecture options beyond the 256 defaults: they build with the
// original's key names, round-trip through config inference, and a JSON
// config fills in what the weights cannot tell.
#include "model/diffusionrig_config.h"
#include "model/networks/diffusionrig_model.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"
#include "tests/support/tiny_model.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <gtest/gtest.h>

using namespace drig;
using nlohmann::json;

namespace {

bool has_key(const formats::NamedTensors& tensors, const std::string& key) {
  for (const auto& [name, tensor] : tensors)
    if (name == key)
      return true;
  return false;
}

} // namespace

TEST(ConfigOptions, ConvResamplersUseTheOriginalKeysAndAreInferredBack) {
  DiffusionRigConfig c = test::tiny_architecture();
  c.resblock_updown = false;
  networks::DiffusionRig model(c);
  const formats::NamedTensors sd = networks::state_dict(*model);
  EXPECT_TRUE(has_key(sd, "denoisingUNet.input_blocks.2.0.op.weight"));
  EXPECT_TRUE(has_key(sd, "denoisingUNet.output_blocks.1.2.conv.weight"));
  const DiffusionRigConfig inferred = infer_diffusionrig_config(sd);
  EXPECT_FALSE(inferred.resblock_updown);
  EXPECT_EQ(inferred.channel_mult, c.channel_mult);
  EXPECT_EQ(inferred.attention_ds, c.attention_ds);
  EXPECT_EQ(inferred.num_res_blocks, 1);
  torch::InferenceMode guard;
  const at::Tensor out =
      model->denoisingUNet->forward(torch::randn({2, 3, 32, 32}), torch::tensor({3, 700}),
                                    torch::randn({2, 9, 32, 32}), torch::randn({2, c.latent_dim}));
  EXPECT_EQ(out.sizes(), at::IntArrayRef({2, 3, 32, 32}));
}

TEST(ConfigOptions, MultiHeadAttentionSplitsAsTheLegacyAndTheNewOrderDefine) {
  torch::manual_seed(3);
  const int64_t b = 2, c = 64, heads = 4, ch = c / heads, t = 9;
  for (bool new_order : {false, true}) {
    networks::AttentionBlock block(c, heads, new_order);
    for (auto& p : block->parameters())
      p.data().normal_(0, 0.2);
    torch::InferenceMode guard;
    const at::Tensor x = torch::randn({b, c, 3, 3});
    const at::Tensor qkv = block->qkv->forward(block->norm->forward(x.reshape({b, c, t})));
    // Per-head attention written out: which channels form head h's q, k, v
    // is what the two orders differ in.
    std::vector<at::Tensor> outs;
    for (int64_t h = 0; h < heads; ++h) {
      const auto take = [&](int64_t part) {
        const int64_t start = new_order ? part * c + h * ch : h * 3 * ch + part * ch;
        return qkv.narrow(1, start, ch);
      };
      const at::Tensor w = torch::softmax(
          torch::matmul(take(0).transpose(1, 2), take(1)) / std::sqrt(double(ch)), -1);
      outs.push_back(torch::matmul(take(2), w.transpose(1, 2)));
    }
    const at::Tensor want = x.reshape({b, c, t}) + block->proj_out->forward(torch::cat(outs, 1));
    EXPECT_TENSOR_NEAR(block->forward(x).reshape({b, c, t}), want, 1e-5);
  }
}

TEST(ConfigOptions, HeadChannelsAndUpsampleHeadsSetTheBlocks) {
  DiffusionRigConfig c = test::tiny_architecture();
  c.num_head_channels = 16;
  networks::UNet unet(c);
  const auto* middle =
      unet->middle_block->layers[1]->as<networks::AttentionBlockImpl>(); // 64 channels
  ASSERT_NE(middle, nullptr);
  EXPECT_EQ(middle->heads, 4);
  c.num_head_channels = -1;
  c.num_heads = 2;
  c.num_heads_upsample = 4;
  networks::UNet other(c);
  EXPECT_EQ(other->middle_block->layers[1]->as<networks::AttentionBlockImpl>()->heads, 2);
  // output_blocks.0 is at ds=2 (64 channels) and has attention with the upsampling heads.
  auto out0 = other->output_blocks[0]->as<networks::EmbedSequentialImpl>();
  EXPECT_EQ(out0->layers[1]->as<networks::AttentionBlockImpl>()->heads, 4);
}

TEST(ConfigOptions, FusedAttentionEqualsTheEinsumPathWhereAvailable) {
  if (!networks::fused_attention_available())
    GTEST_SKIP() << "this LibTorch (< 2.0) has no scaled_dot_product_attention";
  torch::manual_seed(4);
  networks::AttentionBlock block(64, 2, false);
  for (auto& p : block->parameters())
    p.data().normal_(0, 0.2);
  torch::InferenceMode guard;
  const at::Tensor x = torch::randn({2, 64, 8, 8});
  networks::set_fused_attention(false);
  const at::Tensor einsum = block->forward(x);
  networks::set_fused_attention(true);
  EXPECT_TENSOR_NEAR(block->forward(x), einsum, 1e-5);
}

TEST(ConfigOptions, TheFixtureConfigJsonCompletesTheInferredConfig) {
  DRIG_REQUIRE_SHARED();
  DiffusionRigConfig c = test::tiny_architecture();
  c.image_size = 0; // channel_mult 1,2 is no per-size default
  c.dropout = 0.1;
  apply_config_file(c, (test::shared_dir() / "reference/diffusion/tiny/config.json").string());
  EXPECT_EQ(c.image_size, 32);
  EXPECT_EQ(c.dropout, 0.0);
  EXPECT_EQ(c.attention_resolutions(), "16");
}

TEST(ConfigOptions, ConfigJsonErrorsNameTheFileAndTheKey) {
  const auto error = [](const json& j) {
    DiffusionRigConfig c = test::tiny_architecture();
    return test::error_of([&] { apply_config_json(c, j, "run/config.json"); });
  };
  EXPECT_NE(error({{"num_channels", 64}})
                .find("run/config.json: \"num_channels\" is 64 but the "
                      "checkpoint's weights have 32"),
            std::string::npos);
  EXPECT_NE(error({{"num_head_chanels", 8}}).find("unknown configuration key \"num_head_chanels\""),
            std::string::npos);
  EXPECT_NE(error({{"dropout", "lots"}}).find("\"dropout\" must be a number"), std::string::npos);
  EXPECT_NE(error({{"num_head_channels", 24}}).find("does not divide"), std::string::npos);
  EXPECT_NE(error({{"use_scale_shift_norm", "False"}}).find("use_scale_shift_norm"),
            std::string::npos);
  EXPECT_NE(error(json::array()).find("must be a JSON object"), std::string::npos);
  // str2bool spellings and training-only keys are accepted.
  EXPECT_EQ(error({{"resblock_updown", "True"}, {"lr", 1e-5}, {"p2_weight", true}}), "(no error)");
}
