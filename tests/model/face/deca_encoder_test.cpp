#include "model/face/deca_encoder.h"

#include "model/formats/npy.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

namespace {

namespace fs = std::filesystem;
using drig::face::DecaEncoder;
using drig::formats::PickleValue;

fs::path ref_dir() {
  return drig::test::shared_dir() / "reference/deca/ref";
}

at::Tensor ref(const std::string& name) {
  return drig::formats::load_npy(ref_dir() / (name + ".npy")).tensor;
}

// One checkpoint with only E_flame (and whatever else the caller adds).
void save_deca_like(const fs::path& path, const std::string& key,
                    const drig::formats::NamedTensors& tensors) {
  auto root = drig::formats::make_value(PickleValue::Kind::Dict);
  root->entries.emplace_back(drig::formats::make_string(key),
                             drig::formats::make_state_dict(tensors));
  drig::formats::save_torch_object(path, *root);
}

class DecaEncoderTest : public ::testing::Test {
protected:
  void SetUp() override {
    DRIG_REQUIRE_SHARED();
    checkpoint_ = drig::test::extracted_fixture("deca/deca_model.tar");
    ASSERT_TRUE(fs::exists(checkpoint_)) << checkpoint_;
  }
  fs::path checkpoint_;
};

TEST_F(DecaEncoderTest, MatchesOriginalOnReferenceCrops) {
  const DecaEncoder encoder(checkpoint_, torch::kCPU);
  const at::Tensor crops = ref("encoder_crops");
  const at::Tensor expected = ref("encoder_params");
  const at::Tensor actual = encoder.forward(crops);
  ASSERT_EQ(actual.sizes(), expected.sizes());
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  const double error = (actual - expected).abs().max().item<double>();
  std::cout << "E_flame max abs error " << error << " (max |ref| " << scale << ")\n";
  RecordProperty("max_abs_error", std::to_string(error));
  EXPECT_LE(error, 1e-4 * scale);

  const drig::face::DecaCode code = encoder.encode(crops);
  EXPECT_TENSOR_NEAR(code.light, ref("encoder_code_light"), 1e-4 * scale);
}

TEST(DecaSplitCode, EqualsOriginalDecomposeCode) {
  DRIG_REQUIRE_SHARED();
  const drig::face::DecaCode code = drig::face::split_code(ref("encoder_params"));
  EXPECT_TRUE(torch::equal(code.shape, ref("encoder_code_shape")));
  EXPECT_TRUE(torch::equal(code.tex, ref("encoder_code_tex")));
  EXPECT_TRUE(torch::equal(code.exp, ref("encoder_code_exp")));
  EXPECT_TRUE(torch::equal(code.pose, ref("encoder_code_pose")));
  EXPECT_TRUE(torch::equal(code.cam, ref("encoder_code_cam")));
  EXPECT_TRUE(torch::equal(code.light, ref("encoder_code_light")));
  EXPECT_EQ(code.light.sizes(), (at::IntArrayRef{2, 9, 3}));
}

TEST(DecaSplitCode, RejectsOtherWidths) {
  EXPECT_NE(drig::test::error_of([] {
              drig::face::split_code(torch::zeros({2, 235}));
            }).find("expected (B,236)"),
            std::string::npos);
}

TEST_F(DecaEncoderTest, RejectsWrongCropShape) {
  const DecaEncoder encoder(checkpoint_, torch::kCPU);
  const std::string message = drig::test::error_of([&] {
    encoder.forward(torch::zeros({1, 3, 256, 256}));
  });
  EXPECT_NE(message.find("(B,3,224,224)"), std::string::npos) << message;
}

TEST(DecaEncoderErrors, MissingAndGarbageFiles) {
  drig::test::TempDir dir("deca_encoder_errors");
  const std::string missing =
      drig::test::error_of([&] { DecaEncoder(dir / "nowhere.tar", torch::kCPU); });
  EXPECT_NE(missing.find("nowhere.tar"), std::string::npos) << missing;

  const fs::path garbage = dir / "garbage.tar";
  std::ofstream(garbage, std::ios::binary) << "this is not a torch checkpoint at all";
  const std::string message = drig::test::error_of([&] { DecaEncoder(garbage, torch::kCPU); });
  EXPECT_NE(message, "(no error)");
  EXPECT_NE(message.find("garbage.tar"), std::string::npos) << message;
}

TEST(DecaEncoderErrors, CheckpointWithoutEFlame) {
  drig::test::TempDir dir("deca_encoder_no_eflame");
  const fs::path path = dir / "deca_model.tar";
  save_deca_like(path, "E_detail", {{"layers.0.weight", torch::zeros({2, 2})}});
  const std::string message = drig::test::error_of([&] { DecaEncoder(path, torch::kCPU); });
  EXPECT_NE(message.find("no E_flame"), std::string::npos) << message;
  EXPECT_NE(message.find("E_detail"), std::string::npos) << message;
}

TEST_F(DecaEncoderTest, ListsMissingUnexpectedAndMisShapedKeys) {
  drig::formats::NamedTensors tensors;
  {
    const auto ckpt = drig::formats::load_torch_checkpoint(checkpoint_);
    tensors = drig::formats::state_dict_tensors(*ckpt.root->get("E_flame"), "E_flame");
  }
  ASSERT_EQ(tensors.size(), 322u);
  drig::formats::NamedTensors edited;
  for (const auto& [name, tensor] : tensors) {
    if (name == "encoder.layer3.2.bn2.running_var")
      continue;
    edited.emplace_back(name, name == "layers.2.weight" ? torch::zeros({235, 1024}) : tensor);
  }
  edited.emplace_back("layers.4.weight", torch::zeros({3}));
  drig::test::TempDir dir("deca_encoder_bad_keys");
  const fs::path path = dir / "deca_model.tar";
  save_deca_like(path, "E_flame", edited);
  const std::string message = drig::test::error_of([&] { DecaEncoder(path, torch::kCPU); });
  std::cout << message << "\n";
  EXPECT_NE(message.find("1 missing, 1 unexpected, 1 with another shape"), std::string::npos)
      << message;
  EXPECT_NE(message.find("encoder.layer3.2.bn2.running_var"), std::string::npos) << message;
  EXPECT_NE(message.find("layers.4.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("layers.2.weight (checkpoint [235,1024], model [236,1024])"),
            std::string::npos)
      << message;
}

TEST_F(DecaEncoderTest, CudaMatchesCpu) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "no CUDA device: the CUDA path of the DECA encoder is not checked here";
  const at::Tensor crops = ref("encoder_crops");
  const at::Tensor cpu = DecaEncoder(checkpoint_, torch::kCPU).forward(crops);
  const DecaEncoder gpu_encoder(checkpoint_, torch::Device(torch::kCUDA, 0));
  EXPECT_TRUE(gpu_encoder.device().is_cuda());
  const at::Tensor gpu = gpu_encoder.forward(crops);
  EXPECT_TRUE(gpu.is_cuda());
  const double scale = std::max(1.0, cpu.abs().max().item<double>());
  const double error = (gpu.cpu() - cpu).abs().max().item<double>();
  std::cout << "E_flame CUDA vs CPU max abs error " << error << "\n";
  // cuDNN may pick TF32 or other algorithms; 1e-3 relative still catches any real bug.
  EXPECT_LE(error, 1e-3 * scale);
  EXPECT_LE((gpu.cpu() - ref("encoder_params")).abs().max().item<double>(), 1e-3 * scale);
}

// A measurement for the report, not an assertion.
TEST_F(DecaEncoderTest, TimesBatchOf20OnTwoThreads) {
  const DecaEncoder encoder(checkpoint_, torch::kCPU);
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  const at::Tensor crops = ref("encoder_crops").repeat({10, 1, 1, 1});
  encoder.forward(crops.narrow(0, 0, 2)); // warm-up: allocator and oneDNN primitives
  const auto start = std::chrono::steady_clock::now();
  const at::Tensor out = encoder.forward(crops);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  at::set_num_threads(threads);
  EXPECT_EQ(out.sizes(), (at::IntArrayRef{20, 236}));
  std::cout << "E_flame forward of 20 crops on CPU, 2 threads: " << seconds << " s\n";
  RecordProperty("batch20_seconds", std::to_string(seconds));
}

} // namespace
