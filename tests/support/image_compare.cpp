#include "tests/support/image_compare.h"

#include "tests/support/test_paths.h"

#include <opencv2/imgcodecs.hpp>

#include <cmath>

namespace drig::test {
namespace fs = std::filesystem;

ImageDiff compare_images(const cv::Mat& a, const cv::Mat& b) {
  ImageDiff diff;
  cv::Mat da, db, delta;
  a.convertTo(da, CV_64F);
  b.convertTo(db, CV_64F);
  cv::absdiff(da, db, delta);
  double min_value = 0;
  cv::minMaxLoc(delta.reshape(1), &min_value, &diff.max_abs);
  const cv::Scalar channel_means = cv::mean(delta);
  const cv::Scalar channel_sq = cv::mean(delta.mul(delta));
  double mse = 0;
  for (int c = 0; c < a.channels(); ++c) {
    diff.mean_abs += channel_means[c] / a.channels();
    mse += channel_sq[c] / a.channels();
  }
  const double peak = a.depth() == CV_8U ? 255.0 : (a.depth() == CV_16U ? 65535.0 : 1.0);
  diff.psnr_db = mse == 0 ? INFINITY : 10.0 * std::log10(peak * peak / mse);
  return diff;
}

::testing::AssertionResult matches_golden(const cv::Mat& actual, const fs::path& golden,
                                          double min_psnr_db) {
  if (update_goldens()) {
    fs::create_directories(golden.parent_path());
    cv::imwrite(golden.string(), actual);
    return ::testing::AssertionSuccess() << "golden rewritten: " << golden;
  }
  const cv::Mat expected = cv::imread(golden.string(), cv::IMREAD_UNCHANGED);
  if (expected.empty())
    return ::testing::AssertionFailure()
           << "golden " << golden << " missing; run with DRIG_UPDATE_GOLDENS=1 to create it";
  if (expected.size() != actual.size() || expected.type() != actual.type())
    return ::testing::AssertionFailure()
           << "golden " << golden << " is " << expected.cols << "x" << expected.rows << " type "
           << expected.type() << ", actual " << actual.cols << "x" << actual.rows << " type "
           << actual.type();
  const ImageDiff diff = compare_images(actual, expected);
  if (diff.psnr_db >= min_psnr_db)
    return ::testing::AssertionSuccess();
  const fs::path out = binary_dir() / "test-output" / golden.filename();
  fs::create_directories(out.parent_path());
  cv::Mat delta;
  cv::absdiff(actual, expected, delta);
  cv::imwrite(out.string() + ".actual.png", actual);
  cv::imwrite(out.string() + ".diff.png", delta * 8);
  return ::testing::AssertionFailure()
         << "PSNR " << diff.psnr_db << " dB < " << min_psnr_db << " dB against " << golden
         << " (max abs " << diff.max_abs << "); wrote " << out << ".actual.png / .diff.png";
}

double non_uniform_fraction(const cv::Mat& image) {
  if (image.empty())
    return 0;
  std::vector<cv::Mat> channels;
  cv::split(image, channels);
  cv::Mat differs = cv::Mat::zeros(image.size(), CV_8U);
  for (const cv::Mat& channel : channels) {
    cv::Mat mask;
    cv::compare(channel, cv::Scalar(channel.at<uchar>(0, 0)), mask, cv::CMP_NE);
    differs |= mask;
  }
  return double(cv::countNonZero(differs)) / double(image.rows * image.cols);
}

} // namespace drig::test
