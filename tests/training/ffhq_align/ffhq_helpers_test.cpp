// Synthetic checks of the numpy/scipy/Pillow re-implementations, with the
// expected values worked out by hand from those libraries' documented rules.
#include "training/ffhq_align/ffhq_align.h"
#include "training/ffhq_align/pil_quad_transform.h"
#include "training/ffhq_align/pil_resample.h"
#include "training/ffhq_align/reflect_blur.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <numeric>

namespace drig::ffhq {
namespace {

TEST(FfhqHelpers, NumpyReflectPad) {
  // np.pad([1, 2, 3], 5, 'reflect') == [2 1 2 3 2 1 2 3 2 1 2 3 2]
  const std::vector<int> expected = {2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2};
  cv::Mat row(1, 3, CV_8UC3);
  for (int x = 0; x < 3; ++x)
    row.at<cv::Vec3b>(0, x) = cv::Vec3b(x + 1, 10 * (x + 1), 100 + x + 1);
  const cv::Mat padded = numpy_reflect_pad(row, {5, 2, 5, 1});
  ASSERT_EQ(padded.type(), CV_32FC3);
  ASSERT_EQ(padded.size(), cv::Size(13, 4));
  for (int y = 0; y < 4; ++y) // a singleton axis is extended by copies
    for (int x = 0; x < 13; ++x) {
      const cv::Vec3f v = padded.at<cv::Vec3f>(y, x);
      EXPECT_EQ(v[0], expected[x]);
      EXPECT_EQ(v[1], 10 * expected[x]);
      EXPECT_EQ(v[2], 100 + expected[x]);
    }
  // d c b | a b c d | c b a
  EXPECT_EQ(numpy_reflect_index(-1, 4), 1);
  EXPECT_EQ(numpy_reflect_index(-3, 4), 3);
  EXPECT_EQ(numpy_reflect_index(4, 4), 2);
  EXPECT_EQ(numpy_reflect_index(6, 4), 0);
}

TEST(FfhqHelpers, ScipyReflectIsHalfSampleSymmetric) {
  // scipy 'reflect' of [a b c] by 4: c c b a | a b c | c b a a
  const std::vector<int> left = {2, 2, 1, 0}, right = {2, 1, 0, 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(scipy_reflect_index(i - 4, 3), left[i]);
    EXPECT_EQ(scipy_reflect_index(3 + i, 3), right[i]);
  }
  EXPECT_EQ(scipy_reflect_index(-5, 1), 0);
}

TEST(FfhqHelpers, GaussianOfDeltaSumsToOne) {
  const double sigma = 3.3;
  const std::vector<double> w = scipy_gaussian_weights(sigma);
  ASSERT_EQ(w.size(), 2u * static_cast<size_t>(4 * sigma + 0.5) + 1);
  EXPECT_NEAR(std::accumulate(w.begin(), w.end(), 0.0), 1.0, 1e-12);
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(w[i], w[w.size() - 1 - i]);

  cv::Mat delta = cv::Mat::zeros(61, 57, CV_32FC3);
  delta.at<cv::Vec3f>(30, 28) = cv::Vec3f(1.0f, 2.0f, 0.0f);
  const cv::Mat blurred = scipy_gaussian_filter(delta, sigma);
  const cv::Scalar sum = cv::sum(blurred);
  EXPECT_NEAR(sum[0], 1.0, 1e-5);
  EXPECT_NEAR(sum[1], 2.0, 1e-5);
  EXPECT_EQ(sum[2], 0.0);
  // Separable: the centre is the squared centre weight.
  EXPECT_NEAR(blurred.at<cv::Vec3f>(30, 28)[0], w[w.size() / 2] * w[w.size() / 2], 1e-7);
  // Near an edge, scipy's reflection folds the mass back in: the sum is kept.
  cv::Mat edge = cv::Mat::zeros(40, 40, CV_32FC3);
  edge.at<cv::Vec3f>(0, 1) = cv::Vec3f(1.0f, 1.0f, 1.0f);
  EXPECT_NEAR(cv::sum(scipy_gaussian_filter(edge, sigma))[0], 1.0, 1e-5);
}

TEST(FfhqHelpers, LanczosKeepsConstantImagesConstant) {
  const cv::Scalar colour(200, 17, 0);
  const cv::Mat flat(203, 311, CV_8UC3, colour);
  for (const cv::Size size :
       {cv::Size(41, 67), cv::Size(103, 203), cv::Size(311, 50), cv::Size(500, 400)}) {
    const cv::Mat out = pil_resize_lanczos(flat, size);
    ASSERT_EQ(out.size(), size);
    cv::Mat expected(size, CV_8UC3, colour);
    EXPECT_EQ(cv::norm(out, expected, cv::NORM_INF), 0.0) << size;
  }
  // Fixed-point weights of each output sum to 1 up to rounding.
  const ResampleAxis axis = lanczos_axis(4096, 256);
  EXPECT_EQ(axis.first[0], 0);
  EXPECT_EQ(axis.first[255] + axis.count[255], 4096);
  for (int xx = 0; xx < 256; ++xx) {
    const auto begin = axis.weights.begin() + xx * axis.ksize;
    const long sum = std::accumulate(begin, begin + axis.count[xx], 0L);
    EXPECT_NEAR(sum, 1L << 22, axis.count[xx]);
  }
}

TEST(FfhqHelpers, QuadTransformOfTheWholeImageIsACopy) {
  // Power-of-two sizes keep Pillow's 1/size coefficients exact.
  cv::Mat img(32, 64, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(256));
  const std::array<double, 8> whole = {0, 0, 0, 32, 64, 32, 64, 0};
  EXPECT_EQ(cv::norm(pil_quad_transform(img, img.size(), whole), img, cv::NORM_INF), 0.0);
  // Outside the source Pillow leaves black; the fused resize equals the two steps.
  const std::array<double, 8> wider = {-10, -5, -12, 45, 60, 47, 62, -3};
  const cv::Mat big = pil_quad_transform(img, {512, 512}, wider);
  EXPECT_EQ(big.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(cv::norm(pil_resize_lanczos(big, {64, 64}),
                     pil_quad_transform_resized(img, 512, wider, 64), cv::NORM_INF),
            0.0);
}

TEST(FfhqHelpers, MaskMedianAndRounding) {
  // mask = max(1 - min(x/l, (w-1-x)/r), 1 - min(y/t, (h-1-y)/b))
  const cv::Mat mask = padding_mask({9, 5}, {4, 2, 2, 1});
  EXPECT_EQ(mask.at<float>(2, 4), 0.0f);         // x/l = 1, y: min(1, 2/1) = 1
  EXPECT_EQ(mask.at<float>(0, 4), 1.0f);         // top row
  EXPECT_EQ(mask.at<float>(2, 1), 1.0f - 0.25f); // 1 - 1/4
  EXPECT_EQ(mask.at<float>(3, 7), 0.5f);         // 1 - min(7/4, 1/2)

  cv::Mat img(1, 4, CV_32FC3);
  const float values[4] = {5.0f, 1.0f, 4.0f, 2.0f};
  for (int x = 0; x < 4; ++x)
    img.at<cv::Vec3f>(0, x) = cv::Vec3f(values[x], -values[x], 7.0f);
  const cv::Vec3f even = numpy_median(img);
  EXPECT_EQ(even, cv::Vec3f(3.0f, -3.0f, 7.0f));
  EXPECT_EQ(numpy_median(img.colRange(0, 3))[0], 4.0f);

  cv::Mat halves(1, 2, CV_32FC3);
  halves.at<cv::Vec3f>(0, 0) = cv::Vec3f(0.5f, 1.5f, 2.5f);
  halves.at<cv::Vec3f>(0, 1) = cv::Vec3f(-3.0f, 255.6f, 254.5f);
  const cv::Mat u8 = rint_to_u8(halves);
  EXPECT_EQ(u8.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 2, 2)); // half to even
  EXPECT_EQ(u8.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 255, 254));
}

TEST(FfhqHelpers, QuadFromLandmarksIsASquare) {
  std::vector<cv::Point2d> lm(68, cv::Point2d(0, 0));
  for (int i = 0; i < 6; ++i) {
    lm[36 + i] = {100, 100};
    lm[42 + i] = {160, 100};
  }
  lm[48] = {110, 170};
  lm[54] = {150, 170};
  const Quad q = quad_from_landmarks(lm);
  // eye_to_eye = (60, 0), eye_to_mouth = (0, 70): x = (130, 0) scaled to 126 (1.8 * 70).
  EXPECT_DOUBLE_EQ(q.qsize, 2 * 126.0);
  EXPECT_DOUBLE_EQ(q.corners[0].x, 130 - 126.0);
  EXPECT_DOUBLE_EQ(q.corners[0].y, 107 - 126.0);
  EXPECT_DOUBLE_EQ(q.corners[2].x, 130 + 126.0);
  EXPECT_DOUBLE_EQ(q.corners[2].y, 107 + 126.0);
}

} // namespace
} // namespace drig::ffhq
