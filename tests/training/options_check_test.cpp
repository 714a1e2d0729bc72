// Every options struct of the pipeline checks itself and names all of its
// problems at once, before any work starts; the functions that take one
// refuse it with that whole list (COLMAP's Check() idiom, issue 24).
#include "model/base/error.h"
#include "model/base/options.h"
#include "model/train_step.h"
#include "tests/support/test_paths.h"
#include "training/align/face_detector.h"
#include "training/edit/edit_engine.h"
#include "training/edit/guarded_edit.h"
#include "training/edit/light_from_file.h"
#include "training/edit/paste_back.h"
#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"

#include <opencv2/core.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

using namespace drig;

namespace {

// The problems of `options`, after asserting that the defaults pass.
template <typename Options>
std::vector<std::string> problems_of(const Options& options) {
  OptionCheck defaults;
  Options{}.check(defaults);
  EXPECT_TRUE(defaults.ok()) << "the defaults must pass: "
                             << ::testing::PrintToString(defaults.problems());
  OptionCheck c;
  options.check(c);
  return c.problems();
}

bool names(const std::vector<std::string>& problems, const std::string& word) {
  for (const std::string& p : problems)
    if (p.find(word) != std::string::npos)
      return true;
  return false;
}

// The thrown error of `run` names every one of `words`.
void refuses_naming(const std::function<void()>& run, const std::vector<std::string>& words) {
  const std::string error = test::error_of(run);
  for (const std::string& w : words)
    EXPECT_NE(error.find(w), std::string::npos) << w << " not in: " << error;
}

} // namespace

TEST(OptionsCheck, PasteOptions) {
  editing::PasteOptions o;
  o.grow = -0.1;
  o.feather = 0.9;
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(names(p, "growth") && names(p, "feather"));
  const cv::Mat alpha(16, 16, CV_32FC1, cv::Scalar(1));
  refuses_naming([&] { editing::paste_mask(alpha, alpha, o); }, {"growth", "feather"});
}

TEST(OptionsCheck, WriteOptions) {
  editing::WriteOptions o;
  o.jpeg_quality = 0;
  o.bit_depth = 12;
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 2u);
  test::TempDir dir("write_options");
  const cv::Mat rgb(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  refuses_naming([&] { editing::write_photo(dir / "x.jpg", rgb, {}, o); },
                 {"x.jpg", "quality", "bit depth"});
  EXPECT_FALSE(std::filesystem::exists(dir / "x.jpg")) << "nothing is written";
}

TEST(OptionsCheck, LightFromFileOptions) {
  editing::LightFromFileOptions o;
  o.background_hfov_deg = 200;
  o.rotation_deg = std::numeric_limits<double>::quiet_NaN();
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 2u);
  refuses_naming([&] { editing::light_from_file("/nowhere/sky.jpg", o); },
                 {"sky.jpg", "rotation", "field of view"});
}

TEST(OptionsCheck, IdentityPolicy) {
  editing::IdentityPolicy o;
  o.min_similarity = 1.5;
  o.retries = -1;
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(names(p, "retries") && names(p, "minimum identity"));
}

TEST(OptionsCheck, LoadOptions) {
  image_io::LoadOptions o;
  o.max_megapixels = 0;
  ASSERT_EQ(problems_of(o).size(), 1u);
  refuses_naming([&] { image_io::load_image("/nowhere/photo.jpg", o); },
                 {"photo.jpg", "megapixels"});
}

TEST(OptionsCheck, DetectorOptions) {
  align::DetectorOptions o;
  o.detect_megapixels = 0.01;
  o.exact_megapixels = -1;
  o.landmark_model = "/nowhere/shape_predictor_68_face_landmarks.dat";
  o.ssd_model = "/nowhere/ssd.json";
  o.cascade_dir = "/nowhere/haarcascades";
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 5u) << ::testing::PrintToString(p);
  refuses_naming([&] { align::FaceDetector detector(o); },
                 {"0.01", "negative", "shape_predictor_68", "ssd.json", "haarcascades"});
}

TEST(OptionsCheck, GenerateOptions) {
  editing::GenerateOptions o;
  o.sampler = "euler";
  o.seed = -3;
  o.preview_every = 0;
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 3u) << ::testing::PrintToString(p);
  EXPECT_TRUE(names(p, "euler") && names(p, "seed") && names(p, "previews"));
}

TEST(OptionsCheck, TrainOptions) {
  TrainOptions o;
  o.stage = 3;
  o.lr = 0;
  o.grad_clip = 0;
  o.weight_decay = -1;
  o.p2_k = 0;
  const auto p = problems_of(o);
  ASSERT_EQ(p.size(), 5u) << ::testing::PrintToString(p);
  EXPECT_TRUE(names(p, "stage") && names(p, "learning rate") && names(p, "clip") &&
              names(p, "decay") && names(p, "P2"));
}
