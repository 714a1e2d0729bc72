// Runs the real `diffusionrig` binary as a user would.
#include "drig/version.h"
#include "model/base/atomic_file.h"
#include "model/formats/npy.h"
#include "model/precision.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"
#include "training/rig/buffer_images.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

nlohmann::json doctor_json(const std::string& args, int& exit_code) {
  const auto result = run_command(cli() + " " + args + " doctor --json 2>/dev/null");
  exit_code = result.exit_code;
  return nlohmann::json::parse(result.out);
}

} // namespace

TEST(Cli, VersionAndHelp) {
  const auto version = run_command(cli() + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find(drig::kVersion), std::string::npos) << version.out;
  const auto help = run_command(cli() + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"--threads", "--device", "--verbose", "--quiet", "--assets", "doctor"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
}

TEST(Cli, BadGlobalOptionsFailWithTheReason) {
  const auto threads = run_command(cli() + " --threads -3 doctor 2>&1");
  EXPECT_NE(threads.exit_code, 0);
  EXPECT_NE(threads.out.find("--threads must be between"), std::string::npos) << threads.out;
  const auto device = run_command(cli() + " --device gpu7 doctor 2>&1");
  EXPECT_NE(device.exit_code, 0);
  EXPECT_NE(device.out.find("'gpu7'"), std::string::npos) << device.out;
  const auto unknown = run_command(cli() + " frobnicate 2>&1");
  EXPECT_NE(unknown.exit_code, 0);
}

TEST(Cli, DoctorJsonWithGoodAssetsIsOk) {
  drig::test::TempDir assets("doctor-good");
  drig::test::write_fake_assets(assets.path());
  int code = -1;
  const auto report = doctor_json("--assets " + assets.path().string(), code);
  EXPECT_EQ(code, 0) << report.dump(2);
  EXPECT_TRUE(report.at("ok").get<bool>()) << report.at("problems").dump();
  EXPECT_EQ(report.at("version"), drig::kVersion);
  EXPECT_FALSE(report.at("torch").at("version").get<std::string>().empty());
  EXPECT_EQ(report.at("device").at("requested"), "auto");
  EXPECT_TRUE(report.at("opengl").at("ok").get<bool>());
  EXPECT_FALSE(report.at("libraries").at("qt").get<std::string>().empty());
  EXPECT_TRUE(report.at("dlib_shape_predictor").at("ok").get<bool>());
  EXPECT_TRUE(report.at("assets").at("usable").get<bool>());
  EXPECT_EQ(report.at("assets").at("files").size(), 11u);
}

TEST(Cli, DoctorReportsEachMissingAssetAndFails) {
  drig::test::TempDir assets("doctor-missing");
  drig::test::write_fake_assets(assets.path());
  fs::remove(assets / "stage1.pt");
  drig::write_file_atomic(assets / "generic_model.pkl", "not a pickle");
  int code = -1;
  const auto report = doctor_json("--assets " + assets.path().string(), code);
  EXPECT_EQ(code, 1);
  EXPECT_FALSE(report.at("ok").get<bool>());
  const std::string problems = report.at("problems").dump();
  EXPECT_NE(problems.find("stage1.pt is missing"), std::string::npos) << problems;
  EXPECT_NE(problems.find("generic_model.pkl is not a Python pickle (content: unrecognised)"),
            std::string::npos)
      << problems;
  EXPECT_EQ(report.at("problems").size(), 2u) << problems;
}

TEST(Cli, DoctorReportsTheFaceModels) {
  drig::test::TempDir assets("doctor-face"), models("doctor-face-models");
  drig::test::write_fake_assets(assets.path());
  const std::string env = "DIFFUSIONRIG_FACE_MODELS=" + models.path().string() + " ";
  auto result = run_command(env + cli() + " --assets " + assets.path().string() + " doctor --json");
  nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_FALSE(report.at("face_models").at("descriptor").get<bool>());
  EXPECT_FALSE(report.at("face_models").at("landmarks").get<bool>());
  EXPECT_EQ(report.at("face_models").at("folder"), models.path().string());
  EXPECT_NE(report.at("notes").dump().find("identity guard"), std::string::npos);
  EXPECT_TRUE(report.at("ok").get<bool>()) << "optional models are not a problem";
  // The detector's manifest and shard alone: only the detector is there.
  drig::write_file_atomic(models / "ssd_mobilenetv1_model-weights_manifest.json", "[]");
  drig::write_file_atomic(models / "ssd_mobilenetv1_model.bin", "");
  result = run_command(env + cli() + " --assets " + assets.path().string() + " doctor");
  EXPECT_NE(
      result.out.find("identity missing, expressions missing, detector ok, landmarks missing"),
      std::string::npos)
      << result.out;
  // The SSD's faces get their landmarks from face-api's 68-point model.
  drig::write_file_atomic(models / "face_landmark_68_model-weights_manifest.json", "[]");
  drig::write_file_atomic(models / "face_landmark_68_model.bin", "");
  result = run_command(env + cli() + " --assets " + assets.path().string() + " doctor --json");
  report = nlohmann::json::parse(result.out);
  EXPECT_TRUE(report.at("face_models").at("landmarks").get<bool>());
  EXPECT_TRUE(report.at("face_models").at("detector").get<bool>());
}

TEST(Cli, DoctorTextNamesTheAssetsFolderFromTheEnvironment) {
  drig::test::TempDir assets("doctor-env");
  const auto result =
      run_command("DIFFUSIONRIG_ASSETS=" + assets.path().string() + " " + cli() + " doctor");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find(assets.path().string()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Problems:"), std::string::npos);
  EXPECT_NE(result.out.find("[missing]"), std::string::npos);
}

TEST(Cli, DoctorWithCudaRequestedButAbsentIsAProblem) {
  drig::test::TempDir assets("doctor-cuda");
  drig::test::write_fake_assets(assets.path());
  int code = -1;
  const auto report = doctor_json("--device cuda --assets " + assets.path().string(), code);
  if (report.at("torch").at("cuda_available").get<bool>())
    GTEST_SKIP() << "a CUDA GPU is present";
  EXPECT_EQ(code, 1);
  EXPECT_NE(report.at("problems").dump().find("no usable CUDA GPU"), std::string::npos);
}

TEST(Cli, InspectDescribesAModelFile) {
  DRIG_REQUIRE_SHARED();
  const fs::path tiny = drig::test::extracted_fixture("tiny/model000000.pt");
  const auto result = run_command(cli() + " inspect --json '" + tiny.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_NE(report.at("model").get<std::string>().find("DiffusionRig"), std::string::npos);
  EXPECT_EQ(report.at("tensors"), 286);
  EXPECT_EQ(report.at("details").at("channel_mult"), nlohmann::json::array({1.0, 2.0}));
  const auto text = run_command(cli() + " inspect '" + tiny.string() + "'");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("format: torch.save (zip"), std::string::npos) << text.out;
}

TEST(Cli, InspectRefusesAHostilePickleAndNamesIt) {
  drig::test::TempDir dir("inspect-hostile");
  const fs::path evil = dir / "evil.pkl";
  const fs::path marker = dir / "pwned";
  const std::string command = "touch " + marker.string();
  std::string length(4, '\0');
  for (int i = 0; i < 4; ++i)
    length[i] = static_cast<char>((command.size() >> (8 * i)) & 0xff);
  drig::write_file_atomic(evil,
                          std::string("\x80\x02") + "cos\nsystem\n(X" + length + command + "tR.");
  const auto result = run_command(cli() + " inspect '" + evil.string() + "' 2>&1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("evil.pkl"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("refusing global os.system"), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(marker));
}

TEST(Cli, SampleReproducesTheOriginalDdimRunAndIsDeterministicPerSeed) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dir("cli-sample");
  const fs::path tiny = drig::test::shared_dir() / "reference/diffusion/tiny";
  const std::string base = cli() + " -q sample --model '" +
                           drig::test::extracted_fixture("tiny/model000000.pt").string() +
                           "' --latent '" + (tiny / "ddim/latent.npy").string() + "' --buffers '" +
                           (tiny / "ddim/physic_cond.npy").string() + "' --steps ddim10";
  const auto fixed = run_command(base + " --noise '" + (tiny / "ddim/noise.npy").string() +
                                 "' -o '" + (dir / "fixed").string() + "' --output-npy '" +
                                 (dir / "fixed.npy").string() + "' 2>&1");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out;
  EXPECT_TRUE(fs::exists(dir / "fixed/sample_000.png"));
  EXPECT_TRUE(fs::exists(dir / "fixed/sample_001.png"));
  // The whole run equals the original's output: bit for bit on the CPU that
  // made the fixture, within the fp32 bound elsewhere (AVX-512 kernels round
  // differently: 1.008e-4 at worst there).
  EXPECT_TENSOR_NEAR(drig::formats::load_npy(dir / "fixed.npy").tensor,
                     drig::formats::load_npy(tiny / "ddim/run_final.npy").tensor, 2e-4);
  for (const char* run : {"a", "b"}) {
    const auto seeded =
        run_command(base + " --seed 7 -o '" + (dir / run).string() + "' --output-npy '" +
                    (dir / (std::string(run) + ".npy")).string() + "' 2>&1");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.out;
  }
  EXPECT_EQ(drig::read_file(dir / "a.npy"), drig::read_file(dir / "b.npy"));

  const auto missing = run_command(cli() + " sample --model x.pt --buffers y.npy -o z 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  const auto wrong = run_command(base + " -o '" + (dir / "w").string() + "' --model '" +
                                 (tiny / "ddim/latent.npy").string() + "' 2>&1");
  EXPECT_NE(wrong.exit_code, 0);
}

namespace {

bool python_has_torch() {
  return run_command("/usr/bin/python3 -c 'import torch' 2>/dev/null").exit_code == 0;
}

} // namespace

TEST(Cli, BenchTimesTheCasesAndComparesWithEagerPyTorch) {
  drig::test::TempDir dir("cli-bench");
  const bool python = python_has_torch();
  const auto result = run_command(
      cli() +
      " -q --device cpu bench --size 32 --steps 2 --fast-steps 3 --preview-steps 2 "
      "--cases unet_forward,ddim_edit,fast_edit,first_preview --iterations 1 --warmup 0 --json '" +
      (dir / "bench.json").string() + "'" + (python ? " --compare-python" : "") + " 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("unet_forward/32/b1/fp32"), std::string::npos) << result.out;
  const auto rows = nlohmann::json::parse(drig::read_file(dir / "bench.json"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1]["case"], "ddim2_edit/32/b1/fp32");
  EXPECT_EQ(rows[2]["case"], "dpmpp3m3_edit/32/b1/fp32");
  EXPECT_EQ(rows[3]["case"], "preview2/32/b1/fp32");
  for (const auto& row : rows) {
    EXPECT_GT(row["ms_per_iter"].get<double>(), 0.0);
    EXPECT_GT(row["peak_bytes"].get<int64_t>(), 0);
    if (python) {
      EXPECT_GT(row["python_over_ours"].get<double>(), 0.0) << row.dump();
    }
  }
  if (!python)
    GTEST_SKIP() << "/usr/bin/python3 has no torch: the comparison was not run";
}

TEST(Cli, BenchRefusesWhatTheDeviceCannotRun) {
  const auto fp16 = run_command(cli() + " --device cpu bench --size 32 --precision fp16 2>&1");
  EXPECT_NE(fp16.exit_code, 0);
  EXPECT_NE(fp16.out.find("fp16 runs on CUDA only"), std::string::npos) << fp16.out;
  const auto unknown = run_command(cli() + " --device cpu bench --size 32 --cases unet 2>&1");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("unknown benchmark case \"unet\""), std::string::npos) << unknown.out;
}

// The Python side of --compare-python computes what the original computes.
TEST(Cli, ThePythonReferenceReproducesTheTinyFixtures) {
  DRIG_REQUIRE_SHARED();
  if (!python_has_torch())
    GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch)";
  const auto result = run_command(
      "/usr/bin/python3 '" +
      (drig::test::source_dir() / "model/bench/python_reference/diffusionrig_reference.py")
          .string() +
      "' --threads 2 --check '" + (drig::test::shared_dir() / "reference/diffusion/tiny").string() +
      "' --model '" + drig::test::extracted_fixture("tiny/model000000.pt").string() + "' 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.out;
}

TEST(Cli, SampleTakesBufferImagesPrecisionBatchAndAConfig) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dir("cli-sample-png");
  const fs::path tiny = drig::test::shared_dir() / "reference/diffusion/tiny";
  // The buffers as the three 16-bit images, and the same values as .npy.
  const drig::BufferImagePaths pngs{dir / "rendered.png", dir / "normal.png", dir / "albedo.png"};
  const at::Tensor buffers = drig::formats::load_npy(tiny / "ddim/physic_cond.npy").tensor;
  drig::save_buffer_images(buffers.narrow(0, 0, 1).clamp(-1, 1), pngs);
  drig::formats::save_npy(dir / "buffers.npy", drig::load_buffer_images(pngs));
  drig::formats::save_npy(dir / "latent.npy",
                          drig::formats::load_npy(tiny / "ddim/latent.npy").tensor.narrow(0, 0, 1));
  const std::string base = cli() + " -q sample --model '" +
                           drig::test::extracted_fixture("tiny/model000000.pt").string() +
                           "' --latent '" + (dir / "latent.npy").string() +
                           "' --steps ddim5 --seed 3 --config '" + (tiny / "config.json").string() +
                           "'";
  const auto from_png = run_command(base + " --buffer-pngs '" + pngs.rendered.string() + "' '" +
                                    pngs.normal.string() + "' '" + pngs.albedo.string() + "' -o '" +
                                    (dir / "png").string() + "' --output-npy '" +
                                    (dir / "png.npy").string() + "' 2>&1");
  ASSERT_EQ(from_png.exit_code, 0) << from_png.out;
  const auto from_npy = run_command(base + " --buffers '" + (dir / "buffers.npy").string() +
                                    "' -o '" + (dir / "npy").string() + "' --output-npy '" +
                                    (dir / "npy.npy").string() + "' 2>&1");
  ASSERT_EQ(from_npy.exit_code, 0) << from_npy.out;
  EXPECT_EQ(drig::read_file(dir / "png.npy"), drig::read_file(dir / "npy.npy"));

  // auto: bf16 where the CPU has it natively, else fp32.
  const auto bf16 = run_command(base + " --buffers '" + (dir / "buffers.npy").string() +
                                "' --precision auto --batch 1 -o '" + (dir / "bf16").string() +
                                "' --output-npy '" + (dir / "bf16.npy").string() + "' 2>&1");
  ASSERT_EQ(bf16.exit_code, 0) << bf16.out;
  const at::Tensor a = drig::formats::load_npy(dir / "bf16.npy").tensor;
  const at::Tensor b = drig::formats::load_npy(dir / "npy.npy").tensor;
  // Closeness of bf16 is checked without the clamp in sampler_test; here the
  // CLI must apply it and still give valid images.
  EXPECT_EQ(at::equal(a, b), !drig::cpu_has_native_bf16()) << "--precision auto";
  EXPECT_LE(a.abs().max().item<double>(), 1.0);

  // The fast sampler by its documented spelling.
  std::string fast = base;
  fast.replace(fast.find("--steps ddim5"), 13, "--sampler dpmpp2m --steps 15");
  const auto dpm = run_command(fast + " --buffers '" + (dir / "buffers.npy").string() + "' -o '" +
                               (dir / "dpm").string() + "' --output-npy '" +
                               (dir / "dpm.npy").string() + "' 2>&1");
  ASSERT_EQ(dpm.exit_code, 0) << dpm.out;
  const at::Tensor c = drig::formats::load_npy(dir / "dpm.npy").tensor;
  EXPECT_EQ(c.sizes(), b.sizes());
  EXPECT_FALSE(at::equal(c, b));
  std::string bad_steps = base;
  bad_steps.replace(bad_steps.find("--steps ddim5"), 13, "--sampler dpmpp2m --steps 10,5");
  const auto bad = run_command(bad_steps + " --buffers '" + (dir / "buffers.npy").string() +
                               "' -o '" + (dir / "bad").string() + "' 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("a step count such as 15"), std::string::npos) << bad.out;

  // The original's ancestral sampler (--use_ddim False) over 10 respaced steps.
  std::string ten = base;
  ten.replace(ten.find("--steps ddim5"), 13, "--steps 10");
  const auto ddpm = run_command(ten + " --buffers '" + (dir / "buffers.npy").string() +
                                "' --no-ddim -o '" + (dir / "ddpm").string() + "' --output-npy '" +
                                (dir / "ddpm.npy").string() + "' 2>&1");
  ASSERT_EQ(ddpm.exit_code, 0) << ddpm.out;
  EXPECT_EQ(drig::formats::load_npy(dir / "ddpm.npy").tensor.sizes(),
            at::IntArrayRef({1, 3, 32, 32}));

  std::string on_cpu = base;
  on_cpu.replace(on_cpu.find(" -q sample"), 10, " --device cpu -q sample");
  const auto fp16 = run_command(on_cpu + " --buffers '" + (dir / "buffers.npy").string() +
                                "' --precision fp16 -o '" + (dir / "x").string() + "' 2>&1");
  EXPECT_NE(fp16.exit_code, 0);
  EXPECT_NE(fp16.out.find("fp16 runs on CUDA only"), std::string::npos) << fp16.out;
  const auto two =
      run_command(base + " --buffer-pngs a.png b.png -o '" + (dir / "y").string() + "' 2>&1");
  EXPECT_NE(two.exit_code, 0);
  const auto unreadable =
      run_command(base + " --buffer-pngs '" + pngs.rendered.string() + "' missing.png '" +
                  pngs.albedo.string() + "' -o '" + (dir / "z").string() + "' 2>&1");
  EXPECT_NE(unreadable.exit_code, 0);
  EXPECT_NE(unreadable.out.find("missing.png: cannot read the normal image"), std::string::npos)
      << unreadable.out;
}
