// face-api's networks in LibTorch against the package's own TensorFlow.js
// run (node, when the set-up installed it: packaging/bootstrap.sh test): the
// SSD face detector (its input and errors too), the descriptor, the
// expression classifier and the 68-point landmarks. Needs the face-api models; skips with a message
// without them.
#include "model/face_api/face_api_models.h"
#include "model/face_api/face_landmarks.h"
#include "model/face_api/ssd_face_detector.h"
#include "tests/support/face_api_package.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/face_api_node.h"
#include "training/edit/identity_guard.h"
#include "training/photo_io/image_file.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig;

namespace {

fs::path ssd_manifest() {
  return identity::default_models_dir() / face::kSsdManifest;
}

#define REQUIRE_SSD_MODEL()                                                                        \
  do {                                                                                             \
    if (!fs::exists(ssd_manifest()))                                                               \
      GTEST_SKIP() << "no " << ssd_manifest() << " (packaging/bootstrap.sh installs it)";          \
  } while (false)

at::Tensor to_tensor(const cv::Mat& rgb) {
  return at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, at::kByte).clone();
}

cv::Mat read_rgb(const fs::path& file) {
  return image_io::to_rgb8(image_io::load_image(file).rgb);
}

const face::SsdFaceDetector& detector() {
  static const face::SsdFaceDetector net(ssd_manifest());
  return net;
}

} // namespace

TEST(SsdFaceDetector, InputIsPaddedBottomRightAndResizedLikeTensorFlow) {
  // 4 wide, 2 high: padded to 4 x 4 with black rows below, then sampled at
  // 0, 0.03125, ... (512 samples over 4 pixels, no half-pixel offset).
  at::Tensor rgb = at::zeros({2, 4, 3}, at::kByte);
  rgb.select(2, 0).fill_(200);
  rgb[0][1][1] = 100;
  const at::Tensor x = face::SsdFaceDetector::input(rgb);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 512, 512, 3}));
  EXPECT_FLOAT_EQ(x[0][0][0][0].item<float>(), 200.0f);
  EXPECT_FLOAT_EQ(x[0][400][0][0].item<float>(), 0.0f) << "the padding below is black";
  // Row 0, x = 128 * 4 / 512 = 1 exactly: the pixel itself; x = 64 -> 0.5.
  EXPECT_FLOAT_EQ(x[0][0][128][1].item<float>(), 100.0f);
  EXPECT_FLOAT_EQ(x[0][0][64][1].item<float>(), 50.0f);
  // Row 192 = 1.5: half way between the image's last row and the padding.
  EXPECT_FLOAT_EQ(x[0][128][0][0].item<float>(), 200.0f);
  EXPECT_FLOAT_EQ(x[0][192][0][0].item<float>(), 100.0f);
  EXPECT_FLOAT_EQ(x[0][320][0][0].item<float>(), 0.0f);
  // The last column repeats: x = 511 * 4 / 512 = 3.99.
  EXPECT_FLOAT_EQ(x[0][0][511][0].item<float>(), 200.0f);
  EXPECT_NE(test::error_of([] {
              face::SsdFaceDetector::input(at::zeros({4, 4}, at::kByte));
            }).find("(H, W, 3)"),
            std::string::npos);
}

TEST(SsdFaceDetector, AMissingWeightIsNamed) {
  REQUIRE_SSD_MODEL();
  test::TempDir dir("ssd_missing_weight");
  std::ifstream in(ssd_manifest());
  std::stringstream text;
  text << in.rdbuf();
  std::string manifest = text.str();
  const size_t at_anchor = manifest.find("\"Output/extra_dim\"");
  ASSERT_NE(at_anchor, std::string::npos);
  manifest.replace(at_anchor, 18, "\"Output/renamed__\"");
  std::ofstream(dir / face::kSsdManifest) << manifest;
  fs::copy_file(ssd_manifest().parent_path() / "ssd_mobilenetv1_model.bin",
                dir / "ssd_mobilenetv1_model.bin");
  const std::string error =
      test::error_of([&] { face::SsdFaceDetector net(dir / face::kSsdManifest); });
  EXPECT_NE(error.find("Output/extra_dim"), std::string::npos) << error;
  EXPECT_NE(error.find(face::kSsdManifest), std::string::npos) << error;
}

TEST(SsdFaceDetector, FindsTheFaceOfEveryPortrait) {
  DRIG_REQUIRE_SHARED();
  REQUIRE_SSD_MODEL();
  int photos = 0;
  for (const auto& entry :
       fs::directory_iterator(test::shared_dir() / "testdata/faces/portraits")) {
    const cv::Mat rgb = read_rgb(entry.path());
    const std::vector<face::SsdFace> faces = detector().detect(to_tensor(rgb));
    ASSERT_FALSE(faces.empty()) << entry.path();
    const face::SsdFace& f = faces.front();
    EXPECT_GT(f.score, 0.5) << entry.path();
    // A portrait's face is big and inside the photo.
    EXPECT_GT(f.right - f.left, 0.1 * rgb.cols) << entry.path();
    EXPECT_GE(f.left, 0.0);
    EXPECT_LE(f.right, rgb.cols + 1.0);
    ++photos;
  }
  EXPECT_GE(photos, 10);
}

TEST(SsdFaceDetector, MatchesFaceApiInNode) {
  DRIG_REQUIRE_SHARED();
  REQUIRE_SSD_MODEL();
  if (const std::string missing = test::face_api_node_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  // A group photo (wider than high: padded below) and a tall cut of it
  // (padded at the right); face-api's CPU backend takes ~10 s a photo.
  const fs::path group = test::shared_dir() / "testdata/faces/groups/2008_002506.jpg";
  const cv::Mat wide = read_rgb(group);
  const std::vector<std::string> photos = {"the group photo", "a tall cut of it"};
  const std::vector<cv::Mat> images = {wide, wide(cv::Rect(0, 0, 240, wide.rows)).clone()};
  const nlohmann::json reference = test::run_face_api_node("ssd", images);
  ASSERT_EQ(reference.size(), photos.size());
  for (size_t i = 0; i < photos.size(); ++i) {
    SCOPED_TRACE(photos[i]);
    const nlohmann::json& r = reference[i];
    const at::Tensor rgb = to_tensor(images[i]);
    const face::SsdOutput ours = detector().forward(face::SsdFaceDetector::input(rgb));
    const auto scores = r["scores"].get<std::vector<float>>();
    const auto boxes = r["boxes"].get<std::vector<std::vector<float>>>();
    ASSERT_EQ(scores.size(), size_t(ours.scores.size(1)));
    const at::Tensor js_scores = at::tensor(scores);
    at::Tensor js_boxes = at::empty({int64_t(boxes.size()), 4});
    for (size_t k = 0; k < boxes.size(); ++k)
      for (int c = 0; c < 4; ++c)
        js_boxes[int64_t(k)][c] = boxes[k][size_t(c)];
    // Both run float32 with other summation orders: the scores agree to
    // 1e-3, the boxes to 1e-3 of the square (half a pixel at 512).
    const double score_error = (ours.scores[0] - js_scores).abs().max().item<double>();
    const double box_error = (ours.boxes[0] - js_boxes).abs().max().item<double>();
    std::cout << photos[i] << ": max score difference " << score_error << ", max box difference "
              << box_error << "\n";
    EXPECT_LE(score_error, 1e-3);
    EXPECT_LE(box_error, 1e-3);
    // The detections: same faces, within a pixel, same order.
    const std::vector<face::SsdFace> found = detector().detect(rgb);
    ASSERT_EQ(found.size(), r["faces"].size());
    ASSERT_FALSE(found.empty());
    for (size_t k = 0; k < found.size(); ++k) {
      const nlohmann::json& f = r["faces"][k];
      EXPECT_NEAR(found[k].left, f["left"].get<double>(), 1.0);
      EXPECT_NEAR(found[k].top, f["top"].get<double>(), 1.0);
      EXPECT_NEAR(found[k].right, f["right"].get<double>(), 1.0);
      EXPECT_NEAR(found[k].bottom, f["bottom"].get<double>(), 1.0);
      EXPECT_NEAR(found[k].score, f["score"].get<double>(), 1e-3);
    }
  }
}

// The descriptor and the expression classifier on the chips the identity
// guard cuts from album photos of two people (an exp_ portrait smiles).
TEST(FaceApiPorts, DescriptorAndExpressionsMatchFaceApiInNode) {
  DRIG_REQUIRE_SHARED();
  if (!fs::exists(identity::default_models_dir() / identity::kDescriptorManifest) ||
      !fs::exists(identity::default_models_dir() / face::kExpressionManifest))
    GTEST_SKIP() << "no face-api models in " << identity::default_models_dir();
  if (const std::string missing = test::face_api_node_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  const identity::IdentityGuard guard;
  std::vector<cv::Mat> photos, chips, expression_chips;
  std::vector<std::vector<cv::Point2d>> landmarks;
  for (const char* file :
       {"albums/mark/img13.jpg", "albums/angelina/img1.jpg", "faces/portraits/exp_5.jpg"}) {
    photos.push_back(read_rgb(test::shared_dir() / "testdata" / file));
    landmarks.push_back(guard.landmarks(photos.back()));
    ASSERT_FALSE(landmarks.back().empty()) << file;
    chips.push_back(identity::face_chip(photos.back(), landmarks.back()));
    expression_chips.push_back(
        identity::face_chip(photos.back(), landmarks.back(), face::kExpressionInput));
  }
  const nlohmann::json descriptors = test::run_face_api_node("descriptor", chips);
  const nlohmann::json expressions = test::run_face_api_node("expression", expression_chips);
  ASSERT_EQ(descriptors.size(), chips.size());
  ASSERT_EQ(expressions.size(), chips.size());
  const at::Tensor ours = guard.describe_chips(chips);
  for (size_t i = 0; i < chips.size(); ++i) {
    const at::Tensor js = at::tensor(descriptors[i]["descriptor"].get<std::vector<float>>());
    ASSERT_EQ(js.numel(), 128);
    const double error = (ours[int64_t(i)] - js).abs().max().item<double>();
    const std::array<float, 7> p = guard.expressions(photos[i], landmarks[i]);
    const auto js_p = expressions[i]["probabilities"].get<std::vector<float>>();
    ASSERT_EQ(js_p.size(), 7u);
    double p_error = 0;
    for (size_t k = 0; k < 7; ++k)
      p_error = std::max(p_error, double(std::abs(p[k] - js_p[k])));
    std::cout << "face " << i << ": max descriptor difference " << error << " (descriptor norm "
              << js.norm().item<double>() << "), max expression difference " << p_error << "\n";
    // float32 in both, other summation orders: 1e-4 is far below what
    // moves a similarity (the threshold is 0.40) or an expression.
    EXPECT_LE(error, 1e-4) << "face " << i;
    EXPECT_LE(p_error, 1e-4) << "face " << i;
  }
}

// The 68-point landmark network on face crops from face-api's demo photos (a
// face in full profile among them), each crop padded to a square and
// resized to 112 here, so both runs see the same floats.
TEST(FaceApiPorts, LandmarksMatchFaceApiInNode) {
  const fs::path manifest = identity::default_models_dir() / face::kLandmarkManifest;
  if (!fs::exists(manifest))
    GTEST_SKIP() << "no " << manifest << " (packaging/bootstrap.sh installs it)";
  if (const std::string missing = test::face_api_node_missing(); !missing.empty())
    GTEST_SKIP() << missing;
  // Face boxes (x, y, side) that face-api's SSD gives on sample2.jpg, squared:
  // the woman in profile on the left, and the one facing the camera.
  const cv::Mat photo = read_rgb(test::face_api_demo_photo("sample2.jpg"));
  ASSERT_FALSE(photo.empty());
  std::vector<cv::Mat> crops;
  for (const cv::Rect r : {cv::Rect(308, 126, 259, 259), cv::Rect(1422, 153, 243, 243)}) {
    cv::Mat crop;
    cv::resize(photo(r), crop, cv::Size(face::kLandmarkInput, face::kLandmarkInput), 0, 0,
               cv::INTER_AREA);
    crop.convertTo(crop, CV_32FC3);
    crops.push_back(crop);
  }
  const nlohmann::json js = test::run_face_api_node("landmarks", crops);
  ASSERT_EQ(js.size(), crops.size());
  const face::FaceLandmarkNet net(manifest);
  for (size_t i = 0; i < crops.size(); ++i) {
    const at::Tensor input = at::from_blob(
        crops[i].data, {1, face::kLandmarkInput, face::kLandmarkInput, 3}, at::kFloat);
    const at::Tensor ours = net.forward(input).flatten();
    const at::Tensor theirs = at::tensor(js[i]["points"].get<std::vector<float>>());
    ASSERT_EQ(theirs.numel(), 136);
    const double error = (ours - theirs).abs().max().item<double>();
    std::cout << "crop " << i << ": max landmark difference " << error
              << " of the crop's side; nose tip at " << theirs[60].item<float>() << ", "
              << theirs[61].item<float>() << "\n";
    // float32 in both, other summation orders; 1e-4 of a 259 px crop is
    // 0.03 px.
    EXPECT_LE(error, 1e-4) << "crop " << i;
  }
  // The profile faces left: its nose tip lies at the crop's left edge, where
  // a frontal shape would put it in the middle.
  EXPECT_LT(js[0]["points"][60].get<double>(), 0.25);
}
