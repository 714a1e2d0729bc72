// The port against the original DiffusionRig scripts/align.py outputs
// (../shared/reference/align): every traced value, the md5 of every stage, and
// the final 256x256 images.
#include "tests/support/test_paths.h"
#include "training/ffhq_align/ffhq_align.h"
#include "training/ffhq_align/pil_quad_transform.h"
#include "training/ffhq_align/pil_resample.h"

#include <dlib/md5.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

namespace drig::ffhq {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// md5 of the pixels in C order, as numpy's tobytes() gives them.
std::string pixel_md5(const cv::Mat& image) {
  const cv::Mat m = image.isContinuous() ? image : image.clone();
  unsigned char digest[16];
  dlib::md5(m.data, static_cast<unsigned long>(m.total() * m.elemSize()), digest);
  char hex[33];
  for (int i = 0; i < 16; ++i)
    std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return std::string(hex, 32);
}

fs::path input_path(const std::string& key) {
  const auto slash = key.find('/');
  const std::string set = key.substr(0, slash), file = key.substr(slash + 1);
  const fs::path data = test::shared_dir() / "testdata";
  return set == "angelina" ? data / "albums" / "angelina" / file
                           : data / "faces" / "portraits" / file;
}

cv::Point2d point(const json& j) {
  return {j[0].get<double>(), j[1].get<double>()};
}

cv::Point2d apply(const cv::Matx23d& m, const cv::Point2d& p) {
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

// Checks every traced value of one face against the fixture's snapshot.
void expect_trace(const AlignTrace& t, const json& a) {
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(t.quad_source.corners[k].x, a["quad_source"][k][0].get<double>(), 1e-9);
    EXPECT_NEAR(t.quad_source.corners[k].y, a["quad_source"][k][1].get<double>(), 1e-9);
  }
  EXPECT_NEAR(t.quad_source.qsize, a["qsize_source"].get<double>(), 1e-9);
  EXPECT_EQ(t.shrink, a["shrink"].get<int>());
  EXPECT_EQ(t.rsize.has_value(), a.contains("rsize"));
  if (t.rsize && a.contains("rsize")) {
    EXPECT_EQ(*t.rsize, cv::Size(a["rsize"][0].get<int>(), a["rsize"][1].get<int>()));
  }
  EXPECT_EQ(t.border, a["border"].get<int>());
  EXPECT_EQ(t.crop, (a["crop"].get<std::array<int, 4>>()));
  EXPECT_EQ(t.cropped, a["cropped"].get<bool>());
  EXPECT_EQ(t.pad_raw, (a["pad_raw"].get<std::array<int, 4>>()));
  EXPECT_EQ(t.padded, a["padded"].get<bool>());
  if (a["padded"].get<bool>()) {
    EXPECT_EQ(t.pad, (a["pad"].get<std::array<int, 4>>()));
    EXPECT_NEAR(t.blur, a["blur"].get<double>(), 1e-12);
    for (int c = 0; c < 3; ++c)
      EXPECT_EQ(t.median[c], static_cast<float>(a["median"][c].get<double>()));
  }
  EXPECT_EQ(t.size_before_transform, cv::Size(a["size_before_transform"][0].get<int>(),
                                              a["size_before_transform"][1].get<int>()));
  for (int i = 0; i < 8; ++i)
    EXPECT_NEAR(t.transform_data[i], a["transform_data"][i].get<double>(), 1e-9);
}

TEST(FfhqAlign, MatchesOriginalOutputs) {
  DRIG_REQUIRE_SHARED();
  const fs::path ref = test::shared_dir() / "reference" / "align";
  std::ifstream in(ref / "expected" / "landmarks.json");
  ASSERT_TRUE(in) << "missing " << ref / "expected" / "landmarks.json";
  const json fixtures = json::parse(in);
  int outputs = 0, exact = 0;
  double worst = 0.0;
  for (const auto& [key, entry] : fixtures["images"].items()) {
    if (entry["selected_face"].is_null())
      continue;
    SCOPED_TRACE(key);
    ++outputs;
    const json& face = entry["faces"][entry["selected_face"].get<int>()];
    const json& a = face["align"];
    cv::Mat bgr =
        cv::imread(input_path(key).string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    ASSERT_FALSE(bgr.empty()) << input_path(key);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    EXPECT_EQ(pixel_md5(rgb), a["source_md5"].get<std::string>()) << "decoder differs from PIL's";
    std::vector<cv::Point2d> landmarks;
    for (const json& p : face["landmarks"])
      landmarks.push_back(point(p));

    AlignParams params;
    std::map<std::string, std::string> md5s;
    cv::Mat before_transform;
    params.on_stage = [&](const std::string& stage, const cv::Mat& image) {
      md5s[stage] = pixel_md5(image);
      if (stage == "before_transform")
        before_transform = image.clone();
    };
    const AlignResult result = align_face(rgb, landmarks, params);
    // Timed again without the hook, whose md5s would dominate.
    const auto start = std::chrono::steady_clock::now();
    const AlignResult plain = align_face(rgb, landmarks);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(pixel_md5(plain.image), pixel_md5(result.image));
    ASSERT_FALSE(result.image.empty()) << result.failure;
    expect_trace(result.trace, a);

    std::string diverged;
    for (const char* stage : {"after_shrink", "after_crop", "after_reflect_pad", "mask",
                              "after_blur_blend", "after_median_blend", "before_transform"}) {
      std::string field = std::string(stage) + "_md5";
      if (!a.contains(field))
        field += "_float32";
      if (!a.contains(field))
        continue;
      EXPECT_EQ(md5s[stage], a[field].get<std::string>()) << stage;
      if (diverged.empty() && md5s[stage] != a[field].get<std::string>())
        diverged = stage;
    }
    // The transform stage, unfused, from the image the driver transformed; the
    // fused driver path must equal the two Pillow calls it replaces.
    const cv::Mat big =
        pil_quad_transform(before_transform, {4096, 4096}, result.trace.transform_data);
    EXPECT_EQ(pixel_md5(big), a["transform_4096_md5"].get<std::string>());
    if (diverged.empty() && pixel_md5(big) != a["transform_4096_md5"].get<std::string>())
      diverged = "transform_4096";
    EXPECT_EQ(cv::norm(pil_resize_lanczos(big, {256, 256}), result.image, cv::NORM_INF), 0.0);

    const cv::Mat expected_bgr = cv::imread((ref / entry["output"].get<std::string>()).string());
    ASSERT_FALSE(expected_bgr.empty());
    cv::Mat expected;
    cv::cvtColor(expected_bgr, expected, cv::COLOR_BGR2RGB);
    cv::Mat diff;
    cv::absdiff(result.image, expected, diff);
    const cv::Scalar per_channel = cv::mean(diff);
    const double mad = (per_channel[0] + per_channel[1] + per_channel[2]) / 3.0;
    EXPECT_LE(mad, 2.0);
    const bool bit_exact = pixel_md5(result.image) == a["output_md5"].get<std::string>();
    exact += bit_exact ? 1 : 0;
    worst = std::max(worst, mad);
    std::printf("%-62s %s mad %.4f align_face %.3f s%s%s\n", key.c_str(),
                bit_exact ? "bit-exact" : "DIFFERS  ", mad, seconds,
                diverged.empty() ? "" : " first diverging stage: ", diverged.c_str());

    // The quad's corners (landmark index coordinates, hence +0.5) land on the
    // output's corners, and the two maps are inverse.
    const double n = result.image.cols;
    const cv::Point2d corners[4] = {{0, 0}, {0, n}, {n, n}, {n, 0}};
    for (int k = 0; k < 4; ++k) {
      const cv::Point2d src = result.trace.quad_source.corners[k] + cv::Point2d(0.5, 0.5);
      const cv::Point2d out = apply(result.source_to_aligned, src);
      EXPECT_NEAR(out.x, corners[k].x, 0.5) << "corner " << k;
      EXPECT_NEAR(out.y, corners[k].y, 0.5) << "corner " << k;
      const cv::Point2d back = apply(result.aligned_to_source, out);
      EXPECT_NEAR(back.x, src.x, 1e-6);
      EXPECT_NEAR(back.y, src.y, 1e-6);
    }
  }
  std::printf("%d of %d outputs bit-exact, worst mean abs diff %.4f\n", exact, outputs, worst);
  EXPECT_EQ(outputs, 25);
}

TEST(FfhqAlign, ResolutionTooLow) {
  // A 64x64 image with a face spanning ~20 px: padded, it stays below 256 px.
  const cv::Mat rgb(64, 64, CV_8UC3, cv::Scalar(90, 120, 150));
  std::vector<cv::Point2d> landmarks(68, cv::Point2d(32, 32));
  for (int i = 0; i < 6; ++i) {
    landmarks[36 + i] = {22.0 + i % 3, 25.0 + i / 3};
    landmarks[42 + i] = {40.0 + i % 3, 25.0 + i / 3};
  }
  landmarks[48] = {26, 44};
  landmarks[54] = {38, 44};
  const AlignResult result = align_face(rgb, landmarks);
  EXPECT_TRUE(result.image.empty());
  EXPECT_NE(result.failure.find("resolution too low"), std::string::npos) << result.failure;
  EXPECT_TRUE(result.trace.padded);
  EXPECT_LT(result.trace.size_before_transform.width, 256);
}

TEST(FfhqAlign, RejectsBadInput) {
  const cv::Mat rgb(300, 300, CV_8UC3, cv::Scalar::all(0));
  EXPECT_NE(test::error_of([&] { align_face(rgb, std::vector<cv::Point2d>(5)); }), "(no error)");
  EXPECT_NE(test::error_of([&] { align_face(rgb, std::vector<cv::Point2d>(68)); }), "(no error)");
}

} // namespace
} // namespace drig::ffhq
