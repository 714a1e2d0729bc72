#pragma once

#include <opencv2/core.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace drig::test {

struct ImageDiff {
  double psnr_db = 0; // infinity when identical
  double max_abs = 0; // in the images' own units (0..255 for 8-bit)
  double mean_abs = 0;
};

ImageDiff compare_images(const cv::Mat& a, const cv::Mat& b);

// Krita-style golden check: compares `actual` with the PNG at `golden` and
// fails below `min_psnr_db`, writing `<golden>.actual.png` and `.diff.png`
// beside the build's test output. With DRIG_UPDATE_GOLDENS=1 it rewrites the
// golden instead.
::testing::AssertionResult matches_golden(const cv::Mat& actual,
                                          const std::filesystem::path& golden, double min_psnr_db);

// Fraction of pixels that differ from the first pixel: ~0 for a blank image.
double non_uniform_fraction(const cv::Mat& image);

} // namespace drig::test
