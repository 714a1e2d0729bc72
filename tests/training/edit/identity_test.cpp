// The identity guard on real photos: every same-person pair of the shared
// albums must score above every different-person pair (ROC AUC), and the
// threshold must separate them. Needs the face-api models that
// packaging/bootstrap.sh installs; skips with a message without them.
#include "tests/support/test_paths.h"
#include "training/edit/identity_guard.h"
#include "training/photo_io/image_file.h"
#include "training/project/album_person.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace fs = std::filesystem;
using namespace drig;

namespace {

bool have_models() {
  return fs::exists(identity::default_models_dir() / identity::kDescriptorManifest);
}

} // namespace

TEST(FaceChip, BoxGrownByAFifthPaddedToASquareAndResizedTo150) {
  // A white image; landmarks spanning a 40 x 80 box: the chip is the 48 x 96
  // region padded left and right with black to 96 x 96.
  cv::Mat white(200, 200, CV_8UC3, cv::Scalar::all(255));
  const std::vector<cv::Point2d> landmarks = {{80, 60}, {120, 140}, {100, 100}};
  const cv::Mat chip = identity::face_chip(white, landmarks);
  ASSERT_EQ(chip.rows, 150);
  ASSERT_EQ(chip.cols, 150);
  ASSERT_EQ(chip.type(), CV_32FC3);
  EXPECT_EQ(chip.at<cv::Vec3f>(75, 0)[0], 0.0f) << "left padding is black";
  EXPECT_EQ(chip.at<cv::Vec3f>(75, 75)[0], 255.0f) << "the face region itself";
  EXPECT_EQ(chip.at<cv::Vec3f>(75, 140)[0], 0.0f) << "right padding is black";
  EXPECT_EQ(chip.at<cv::Vec3f>(0, 75)[0], 255.0f) << "no padding at the top of a tall box";
  // At the image border the box is clipped, not shifted.
  const cv::Mat edge = identity::face_chip(white, {{0, 0}, {60, 60}});
  EXPECT_EQ(edge.at<cv::Vec3f>(10, 10)[0], 255.0f);
  EXPECT_NE(test::error_of([&] { identity::face_chip(white, {}); }).find("no landmarks"),
            std::string::npos);
}

TEST(IdentityGuard, MissingModelsAreAClearError) {
  test::TempDir empty("no_face_models");
  const std::string error = test::error_of([&] { identity::IdentityGuard guard(empty.path()); });
  EXPECT_NE(error.find("face_recognition_model-weights_manifest.json"), std::string::npos) << error;
  EXPECT_NE(error.find("@vladmandic/face-api"), std::string::npos) << error;
}

TEST(IdentityGuard, SeparatesThePeopleOfTheSharedAlbums) {
  DRIG_REQUIRE_SHARED();
  if (!have_models())
    GTEST_SKIP() << "no face-api models in " << identity::default_models_dir()
                 << " (packaging/bootstrap.sh installs them)";
  const identity::IdentityGuard guard;
  struct Photo {
    std::string person;
    at::Tensor descriptor;
  };
  std::vector<Photo> photos;
  for (const auto& person : fs::directory_iterator(test::shared_dir() / "testdata/albums"))
    for (const auto& file : fs::directory_iterator(person.path()))
      photos.push_back({person.path().filename().string(), guard.describe(file.path())});
  ASSERT_GE(photos.size(), 10u);
  std::vector<double> same, different;
  for (size_t i = 0; i < photos.size(); ++i)
    for (size_t j = i + 1; j < photos.size(); ++j)
      (photos[i].person == photos[j].person ? same : different)
          .push_back(face::descriptor_similarity(photos[i].descriptor, photos[j].descriptor));
  double wins = 0;
  for (double s : same)
    for (double d : different)
      wins += s > d ? 1.0 : s == d ? 0.5 : 0.0;
  const double auc = wins / double(same.size() * different.size());
  const double t = identity::IdentityGuard::threshold();
  int correct = 0;
  for (double s : same)
    correct += s >= t;
  for (double d : different)
    correct += d < t;
  const double accuracy = double(correct) / double(same.size() + different.size());
  std::printf("identity on %zu photos: %zu same-person and %zu different-person pairs, ROC AUC "
              "%.4f, accuracy %.4f at similarity %.2f\n",
              photos.size(), same.size(), different.size(), auc, accuracy, t);
  RecordProperty("auc", std::to_string(auc));
  RecordProperty("accuracy", std::to_string(accuracy));
  EXPECT_GE(auc, 0.98);
  EXPECT_GE(accuracy, 0.95);
  // The same photo twice is the same descriptor: similarity 1.
  EXPECT_DOUBLE_EQ(face::descriptor_similarity(photos[0].descriptor, photos[0].descriptor), 1.0);
}

TEST(IdentityGuard, ReadsTheExpressionsOfPortraits) {
  DRIG_REQUIRE_SHARED();
  if (!have_models())
    GTEST_SKIP() << "no face-api models in " << identity::default_models_dir();
  const identity::IdentityGuard guard;
  ASSERT_TRUE(guard.has_expressions());
  int portraits = 0, readable = 0;
  std::string seen;
  for (const auto& person : fs::directory_iterator(test::shared_dir() / "testdata/albums"))
    for (const auto& file : fs::directory_iterator(person.path())) {
      const cv::Mat rgb = image_io::to_rgb8(image_io::load_image(file.path()).rgb);
      const auto landmarks = guard.landmarks(rgb);
      ASSERT_EQ(landmarks.size(), 68u) << file.path();
      const std::array<float, 7> p = guard.expressions(rgb, landmarks);
      double sum = 0;
      for (float v : p) {
        EXPECT_GE(v, 0.0f);
        EXPECT_LE(v, 1.0f);
        sum += v;
      }
      EXPECT_NEAR(sum, 1.0, 1e-4);
      const size_t top = size_t(std::max_element(p.begin(), p.end()) - p.begin());
      seen += fmt::format(" {}={}({:.2f})", file.path().filename().string(),
                          face::kExpressionLabels[top], p[top]);
      ++portraits;
      // Posed portraits: smiling or neutral, not fear, disgust or anger.
      readable += top <= 1;
    }
  std::printf("expressions:%s\n", seen.c_str());
  EXPECT_GE(readable, portraits * 8 / 10) << seen;
}

// The album's person on real faces: Angelina's album with Mark's portrait, a
// dog (face-api's detector finds its face) and a "group photo" of Mark and
// Angelina, Mark first as the largest face would be.
TEST(IdentityGuard, FindsTheAlbumsPersonAmongAStrangerAndADog) {
  DRIG_REQUIRE_SHARED();
  if (!have_models())
    GTEST_SKIP() << "no face-api models in " << identity::default_models_dir()
                 << " (packaging/bootstrap.sh installs them)";
  const identity::IdentityGuard guard;
  const fs::path albums = test::shared_dir() / "testdata/albums";
  std::vector<fs::path> files;
  for (const char* name : {"img1", "img2", "img4", "img5", "img6", "img7"})
    files.push_back(albums / "angelina" / (std::string(name) + ".jpg"));
  files.push_back(albums / "mark/img13.jpg");
  files.push_back(test::shared_dir() / "testdata/faces/groups/dogs.jpg");
  files.push_back(albums / "mark/img14.jpg");
  files.push_back(albums / "angelina/img10.jpg");
  files.push_back(test::shared_dir() / "testdata/faces/groups/no_such_crop.png");
  const std::vector<std::vector<float>> d = guard.describe_aligned(files);
  ASSERT_EQ(d.size(), files.size());
  for (size_t i = 0; i + 1 < d.size(); ++i)
    EXPECT_EQ(d[i].size(), 128u) << files[i];
  EXPECT_TRUE(d.back().empty()) << "an unreadable crop is not described";
  std::vector<std::vector<project::Descriptor>> photos;
  for (size_t i = 0; i < 8; ++i)
    photos.push_back({d[i]});
  photos.push_back({d[8], d[9]});
  const project::AlbumPerson person =
      project::find_album_person(photos, identity::IdentityGuard::threshold());
  ASSERT_TRUE(person.found);
  for (size_t i = 0; i < photos.size(); ++i)
    std::printf("%s: similarity to the album's person %.2f\n",
                i == 8 ? "group of img14 + img10" : files[i].filename().string().c_str(),
                person.photos[i].similarity);
  for (size_t i = 0; i < 6; ++i)
    EXPECT_GE(person.photos[i].similarity, identity::IdentityGuard::threshold()) << files[i];
  EXPECT_LT(person.photos[6].similarity, identity::IdentityGuard::threshold()) << "Mark";
  EXPECT_LT(person.photos[7].similarity, identity::IdentityGuard::threshold()) << "the dog";
  EXPECT_EQ(person.photos[8].face, 1) << "Angelina's face of the two";
  EXPECT_EQ(person.photos_with_person, 7);
}
