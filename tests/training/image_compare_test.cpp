// The golden-image helpers later issues compare renders and edits with.
#include "tests/support/image_compare.h"
#include "tests/support/test_paths.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

namespace fs = std::filesystem;

namespace {
cv::Mat gradient() {
  cv::Mat image(32, 48, CV_8UC3);
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 5), uchar(y * 7), 128);
  return image;
}
} // namespace

TEST(ImageCompare, PsnrAndDifferences) {
  const cv::Mat a = gradient();
  EXPECT_TRUE(std::isinf(drig::test::compare_images(a, a).psnr_db));
  cv::Mat b = a.clone();
  b.at<cv::Vec3b>(3, 4)[0] += 10;
  const auto diff = drig::test::compare_images(a, b);
  EXPECT_DOUBLE_EQ(diff.max_abs, 10.0);
  EXPECT_GT(diff.psnr_db, 40.0);
  EXPECT_LT(diff.psnr_db, 80.0);
}

TEST(ImageCompare, GoldenIsWrittenOnRequestThenCompared) {
  drig::test::TempDir dir("golden");
  const fs::path golden = dir / "gradient.png";
  ::setenv("DRIG_UPDATE_GOLDENS", "1", 1);
  EXPECT_TRUE(drig::test::matches_golden(gradient(), golden, 40.0));
  ::unsetenv("DRIG_UPDATE_GOLDENS");
  ASSERT_TRUE(fs::exists(golden));
  EXPECT_TRUE(drig::test::matches_golden(gradient(), golden, 40.0));

  cv::Mat changed = gradient();
  cv::rectangle(changed, {0, 0, 20, 20}, cv::Scalar(0, 0, 255), cv::FILLED);
  const auto result = drig::test::matches_golden(changed, golden, 40.0);
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find(".diff.png"), std::string::npos);
  EXPECT_FALSE(drig::test::matches_golden(changed, dir / "missing.png", 40.0));
}

TEST(ImageCompare, BlankImagesAreDetected) {
  EXPECT_DOUBLE_EQ(drig::test::non_uniform_fraction(cv::Mat(10, 10, CV_8UC3, cv::Scalar(9, 9, 9))),
                   0.0);
  EXPECT_GT(drig::test::non_uniform_fraction(gradient()), 0.9);
  cv::Mat bgra;
  cv::cvtColor(gradient(), bgra, cv::COLOR_BGR2BGRA);
  EXPECT_GT(drig::test::non_uniform_fraction(bgra), 0.9);
}
