// EditEngine::run, the one call behind infer, the Studio's Generate and its
// Export: it must give exactly what the engine's own steps give, write what
// it is asked (and nothing when the params are wrong), and paste a result
// made before without sampling again.
#include "model/base/error.h"
#include "model/base/options.h"
#include "model/formats/npy.h"
#include "model/random.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/edit_fixtures.h"
#include "training/edit/edit_engine.h"
#include "training/edit/edit_params.h"
#include "training/rig/rig_file.h"

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace drig;
using namespace drig::editing;

namespace {

cv::Mat read_rgb(const fs::path& file) {
  cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
  if (!bgr.empty())
    cv::cvtColor(bgr, bgr, cv::COLOR_BGR2RGB);
  return bgr;
}

// img14 prepared by the tiny engine, with the reference face's rig so that
// edits have pixels to change.
std::shared_ptr<const PreparedPhoto> prepared_photo(EditEngine& engine, const test::TempDir& dir) {
  const auto p = engine.prepare(test::shared_dir() / "testdata/albums/mark/img14.jpg");
  fitting::Rig rig = p->rig;
  test::use_reference_face(rig);
  fitting::save_rig(dir / "img14.rig.json", rig);
  return engine.prepare_aligned(p->aligned_png, dir / "img14.rig.json");
}

EditParams pose_edit() {
  EditParams params = default_edit_params();
  params.spec.steps = "ddim2";
  params.spec.pose_delta_deg = {25, 0, 0};
  return params;
}

} // namespace

TEST(EditRun, DefaultsAreTheOriginalsSettings) {
  const EditParams d = default_edit_params();
  EXPECT_EQ(d.spec.sampler, "ddim");
  EXPECT_EQ(d.spec.steps, "ddim20");
  EXPECT_EQ(d.spec.seed, 0);
  EXPECT_EQ(d.spec.eta, 0.0);
  EXPECT_EQ(d.identity.min_similarity, 0.0) << "measured, never resampled for, by default";
  EXPECT_EQ(d.outputs.write.jpeg_quality, 95);
  EXPECT_EQ(d.outputs.crop_bit_depth, 8);
  OptionCheck c;
  d.check(c);
  EXPECT_TRUE(c.ok()) << ::testing::PrintToString(c.problems());
}

TEST(EditRun, WritesWhatItIsAskedAndEqualsTheEnginesOwnSteps) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("run_assets"), cache("run_cache"), out("run_out");
  EditEngine engine(test::tiny_engine(assets, cache));
  const auto photo = prepared_photo(engine, out);

  EditParams params = pose_edit();
  params.outputs.crop = out / "crops/img14_edit.png"; // folders are made
  params.outputs.crop_npy = out / "crops/img14_edit.npy";
  params.outputs.photo = out / "img14_edited.png";
  params.outputs.side_by_side = out / "img14_compare.jpg";
  std::vector<int64_t> steps;
  params.preview_every = 1;
  params.on_preview = [&](int64_t step, int64_t total, const cv::Mat& x0) {
    EXPECT_EQ(total, 2);
    EXPECT_EQ(x0.type(), CV_32FC3);
    EXPECT_EQ(x0.cols, 32);
    steps.push_back(step);
  };
  const EditOutcome got = engine.run(*photo, params);
  EXPECT_EQ(steps, (std::vector<int64_t>{1, 2}));

  const EditResult want = engine.edit(*photo, params.spec);
  EXPECT_EQ(cv::norm(got.crop, want.crop, cv::NORM_INF), 0.0);
  ASSERT_EQ(got.written.size(), 4u);
  EXPECT_EQ(got.written[0], params.outputs.crop);
  // The crop as the original's save_image writes it: 8 bits, rounded.
  cv::Mat want8;
  want.crop.convertTo(want8, CV_8UC3, 255.0);
  const cv::Mat crop = read_rgb(params.outputs.crop);
  ASSERT_FALSE(crop.empty());
  EXPECT_EQ(cv::norm(crop, want8, cv::NORM_INF), 0.0);
  EXPECT_TRUE(formats::load_npy(params.outputs.crop_npy).tensor.equal(want.sample.to(at::kFloat)));
  // The full photo: the engine's paste-back, written losslessly here.
  const cv::Mat composite = engine.paste(*photo, want);
  EXPECT_EQ(cv::norm(got.composite, composite, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(read_rgb(params.outputs.photo), composite, cv::NORM_INF), 0.0);
  const cv::Mat compare = read_rgb(params.outputs.side_by_side);
  ASSERT_FALSE(compare.empty());
  EXPECT_NEAR(double(compare.cols) / compare.rows, 2.0 * composite.cols / composite.rows, 0.01);
  EXPECT_FALSE(std::isnan(got.skin_delta_e_before));
  EXPECT_GT(got.seconds, 0.0);

  // A fixed x_T from a file is the seed's own x_T when it holds the same numbers.
  test::TempDir noise_dir("run_noise");
  formats::save_npy(noise_dir / "x_T.npy", at::randn({1, 3, 32, 32}, make_generator(7)));
  EditParams seeded = pose_edit(), fixed = pose_edit();
  seeded.spec.seed = 7;
  fixed.noise = noise_dir / "x_T.npy";
  const cv::Mat by_seed = engine.run(*photo, seeded).crop;
  EXPECT_EQ(cv::norm(engine.run(*photo, fixed).crop, by_seed, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(by_seed, got.crop, cv::NORM_INF), 0.0) << "another seed, another result";
  formats::save_npy(noise_dir / "small.npy", at::randn({1, 3, 8, 8}));
  fixed.noise = noise_dir / "small.npy";
  const std::string error = test::error_of([&] { engine.run(*photo, fixed); });
  EXPECT_NE(error.find("small.npy"), std::string::npos) << error;
  EXPECT_NE(error.find("(1,3,32,32)"), std::string::npos) << error;

  // The paper's transfer through the same call: the target's light.
  EditParams transfer = default_edit_params();
  transfer.spec.steps = "ddim2";
  transfer.target = photo;
  transfer.mode = TransferMode::Light;
  GenerateOptions g;
  g.steps = "ddim2";
  const EditResult own = engine.transfer(*photo, *photo, TransferMode::Light, g);
  EXPECT_EQ(cv::norm(engine.run(*photo, transfer).crop, own.crop, cv::NORM_INF), 0.0);
}

TEST(EditRun, AResultMadeBeforeIsPastedWithoutSamplingAgain) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("cached_assets"), cache("cached_cache"), out("cached_out");
  EditEngine engine(test::tiny_engine(assets, cache));
  const auto photo = prepared_photo(engine, out);
  EditParams first = pose_edit();
  first.outputs.crop = out / "result.png";
  first.outputs.crop_bit_depth = 16; // the Studio's result cache
  first.outputs.photo = out / "first.png";
  const EditOutcome sampled = engine.run(*photo, first);
  const cv::Mat cached = cv::imread(first.outputs.crop.string(), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(cached.depth(), CV_16U);

  EditParams again = pose_edit();
  again.cached_crop = first.outputs.crop;
  again.outputs.photo = out / "again.png";
  bool sampled_again = false;
  again.preview_every = 1;
  again.on_preview = [&](int64_t, int64_t, const cv::Mat&) { sampled_again = true; };
  JobContext job;
  const EditOutcome pasted = engine.run(*photo, again, job);
  EXPECT_FALSE(sampled_again);
  EXPECT_LE(cv::norm(pasted.crop, sampled.crop, cv::NORM_INF), 1.0 / 65535 + 1e-6);
  EXPECT_LE(cv::norm(read_rgb(again.outputs.photo), read_rgb(first.outputs.photo), cv::NORM_INF),
            1.0)
      << "the same edit pasted: 16-bit rounding at most";

  EditParams other_size = again;
  test::TempDir small("cached_small");
  cv::imwrite((small / "r.png").string(), cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(9)));
  other_size.cached_crop = small / "r.png";
  const std::string error = test::error_of([&] { engine.run(*photo, other_size); });
  EXPECT_NE(error.find("16x16"), std::string::npos) << error;

  // Wrong params are refused before anything is sampled or written.
  EditParams wrong = pose_edit();
  wrong.outputs.crop = out / "never.png";
  wrong.outputs.photo = out / "never.jpg";
  wrong.outputs.write.bit_depth = 16;
  const std::string refused = test::error_of([&] { engine.run(*photo, wrong); });
  EXPECT_NE(refused.find("JPEG holds 8 bits only"), std::string::npos) << refused;
  EXPECT_FALSE(fs::exists(out / "never.png"));
}

TEST(EditRun, ParamsReportEveryProblemAtOnce) {
  test::TempDir dir("run_check");
  fs::create_directories(dir / "a-folder");
  EditParams p = default_edit_params();
  p.spec.seed = -1;
  p.spec.pose_delta_deg = {10, 0, 0};
  p.target = std::make_shared<PreparedPhoto>(); // a transfer with slider changes
  p.noise = dir / "no-noise.npy";
  p.identity.retries = 99;
  p.outputs.crop = dir / "crop.jpg";
  p.outputs.photo = dir / "a-folder";
  p.outputs.side_by_side = dir / "compare.jpg";
  p.outputs.crop_bit_depth = 12;
  OptionCheck c;
  p.check(c);
  const std::string all = ::testing::PrintToString(c.problems());
  EXPECT_EQ(c.problems().size(), 8u) << all;
  for (const char* part :
       {"seed", "transfer", "no-noise.npy", "retries", "crop.jpg", "a-folder", "8 or 16"})
    EXPECT_NE(all.find(part), std::string::npos) << part << " in " << all;
}
