// The editing policy every front end shares (training/edit/guarded_edit):
// more seeds while the result looks like someone else, the most alike kept,
// the seed reported. A real identity guard judges stand-in results: a grey
// card, the photo blurred beyond recognition, and the photo itself.
#include "model/random.h"
#include "tests/support/test_paths.h"
#include "training/edit/guarded_edit.h"
#include "training/edit/identity_guard.h"

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace drig;

namespace {

fs::path first_album_photo() {
  for (const auto& person : fs::directory_iterator(test::shared_dir() / "testdata/albums"))
    for (const auto& file : fs::directory_iterator(person.path()))
      return file.path();
  return {};
}

} // namespace

TEST(GuardedEdit, TriesTheNextSeedsUntilTheResultIsThePersonAndKeepsTheMostAlike) {
  DRIG_REQUIRE_SHARED();
  if (!fs::exists(identity::default_models_dir() / identity::kDescriptorManifest))
    GTEST_SKIP() << "no face-api models in " << identity::default_models_dir()
                 << " (packaging/bootstrap.sh installs them)";
  editing::PreparedPhoto photo;
  photo.aligned_png = first_album_photo();
  cv::Mat bgr = cv::imread(photo.aligned_png.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty()) << photo.aligned_png;
  cv::Mat itself, blurred, grey(bgr.size(), CV_32FC3, cv::Scalar::all(0.5));
  cv::cvtColor(bgr, itself, cv::COLOR_BGR2RGB);
  itself.convertTo(itself, CV_32FC3, 1 / 255.0);
  cv::GaussianBlur(itself, blurred, {0, 0}, bgr.cols / 25.0);
  const std::vector<cv::Mat> results = {grey, blurred, itself, grey};

  std::vector<at::Tensor> noises;
  const editing::EditSampler sample = [&](const at::Tensor& noise) {
    editing::EditResult r;
    r.crop = results.at(noises.size());
    noises.push_back(noise);
    return r;
  };
  editing::IdentityPolicy policy{std::make_shared<identity::IdentityGuard>(), 0.95, 3};
  const at::Tensor first = at::zeros({1, 3, 8, 8});
  const editing::GuardedResult got =
      editing::sample_with_identity(photo, sample, first, 40, 8, policy);
  ASSERT_TRUE(got.identity.measured);
  EXPECT_EQ(got.identity.retries, 2) << "stops at the first result past the minimum";
  EXPECT_EQ(got.identity.seed, 42);
  EXPECT_GT(got.identity.similarity, 0.95);
  EXPECT_EQ(cv::norm(got.result.crop, itself, cv::NORM_INF), 0.0);
  ASSERT_EQ(noises.size(), 3u);
  EXPECT_TRUE(noises[0].equal(first));
  // The retries' x_T are the seeds' own noise, as a run with that seed.
  EXPECT_TRUE(noises[2].equal(at::randn({1, 3, 8, 8}, make_generator(42))));
  EXPECT_NE(got.identity.summary(0.95, "--min-identity")
                .find("2 more seed(s) tried for "
                      "--min-identity 0.95, kept seed 42"),
            std::string::npos)
      << got.identity.summary(0.95);

  // Measure only: one sampling, the score reported.
  noises.clear();
  policy.min_similarity = 0;
  const editing::GuardedResult once =
      editing::sample_with_identity(photo, sample, first, 40, 8, policy);
  EXPECT_EQ(noises.size(), 1u);
  EXPECT_TRUE(once.identity.measured);
  EXPECT_LT(once.identity.similarity, 0.95);
  EXPECT_EQ(once.identity.seed, 40);

  // No guard: not measured, and it says why.
  noises.clear();
  const editing::GuardedResult unguarded =
      editing::sample_with_identity(photo, sample, first, 40, 8, {nullptr, 0.95, 3});
  EXPECT_EQ(noises.size(), 1u);
  EXPECT_FALSE(unguarded.identity.guarded);
  EXPECT_NE(unguarded.identity.summary().find("no face-api models"), std::string::npos);
  EXPECT_NE(test::error_of([&] {
              editing::sample_with_identity(photo, sample, first, 40, 8, {nullptr, 1.5, 3});
            }).find("0..1"),
            std::string::npos);
}
