// Who the album is of: the person found from face descriptors, the face of a
// group photo chosen for them, strangers left out once, and the user's
// choices kept. Synthetic 128-d descriptors at dlib-like distances (the same
// person about 0.3 apart, strangers over 1); the real network's figures are
// in identity_test.cpp.
#include "tests/support/test_paths.h"
#include "training/project/album_person.h"
#include "training/project/project.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace drig::project;

namespace {

constexpr double kThreshold = 0.4; // dlib's 0.6 distance

struct Faces {
  std::mt19937 rng{7};
  Descriptor person() {
    std::normal_distribution<float> n(0.f, 0.1f);
    Descriptor d(128);
    for (float& v : d)
      v = n(rng);
    return d;
  }
  Descriptor photo_of(const Descriptor& who) {
    std::normal_distribution<float> n(0.f, 0.025f);
    Descriptor d = who;
    for (float& v : d)
      v += n(rng);
    return d;
  }
};

} // namespace

TEST(AlbumPerson, FindsThePersonTheAlbumIsOfAndTheirFaceInAGroupPhoto) {
  Faces f;
  const Descriptor anna = f.person(), ben = f.person(), dog = f.person();
  std::vector<std::vector<Descriptor>> photos;
  for (int i = 0; i < 4; ++i)
    photos.push_back({f.photo_of(anna)});
  photos.push_back({f.photo_of(ben), f.photo_of(anna)}); // group: Ben is the largest face
  photos.push_back({f.photo_of(dog)});
  photos.push_back({f.photo_of(ben)});      // Ben twice: still fewer photos than Anna
  photos.push_back({{}, f.photo_of(anna)}); // a face that could not be described
  const AlbumPerson found = find_album_person(photos, kThreshold);
  ASSERT_TRUE(found.found);
  EXPECT_EQ(found.photos_with_person, 6);
  for (int i : {0, 1, 2, 3}) {
    EXPECT_EQ(found.photos[i].face, 0);
    EXPECT_GT(found.photos[i].similarity, 0.6) << "photo " << i;
  }
  EXPECT_EQ(found.photos[4].face, 1) << "Anna's face in the group photo, not the largest";
  ASSERT_EQ(found.photos[4].faces.size(), 2u);
  EXPECT_LT(found.photos[4].faces[0], kThreshold);
  EXPECT_LT(found.photos[5].similarity, kThreshold) << "the dog";
  EXPECT_LT(found.photos[6].similarity, kThreshold) << "Ben";
  EXPECT_EQ(found.photos[7].face, 1);
  EXPECT_EQ(found.photos[7].faces[0], 0.0);
}

TEST(AlbumPerson, NobodyWhenNoFaceRecurs) {
  Faces f;
  EXPECT_FALSE(
      find_album_person({{f.photo_of(f.person())}, {f.photo_of(f.person())}}, kThreshold).found);
  EXPECT_FALSE(find_album_person({{f.photo_of(f.person())}}, kThreshold).found);
  EXPECT_FALSE(find_album_person({}, kThreshold).found);
  EXPECT_FALSE(find_album_person({{{}}, {{}}}, kThreshold).found);
  const Descriptor a = f.person();
  EXPECT_DOUBLE_EQ(descriptor_similarity(a, a), 1.0);
  EXPECT_EQ(descriptor_similarity(a, {}), 0.0);
}

TEST(AlbumPerson, ACheckLeavesStrangersOutOnceAndKeepsTheUsersChoices) {
  drig::test::TempDir dir("album_person_apply");
  Faces f;
  const Descriptor anna = f.person(), ben = f.person(), cleo = f.person();
  Project p = Project::create(dir / "proj", "Anna");
  PhotoDescriptors faces;
  const auto add = [&](const std::string& name, std::vector<Descriptor> d) -> PhotoEntry& {
    std::ofstream(dir / name) << "x";
    PhotoEntry& e = p.add_photo(dir / name);
    e.status = PhotoState::fitted;
    for (size_t k = 0; k < d.size(); ++k)
      e.faces.push_back(p.aligned_dir() / (e.id + "_" + std::to_string(k) + ".png"));
    e.faces_found = int(d.size());
    e.aligned = e.faces[0];
    e.rig = p.rigs_dir() / (e.id + ".rig.json");
    faces.push_back({e.id, std::move(d)});
    return e;
  };
  for (int i = 0; i < 3; ++i)
    add("anna" + std::to_string(i) + ".jpg", {f.photo_of(anna)});
  add("group.jpg", {f.photo_of(ben), f.photo_of(anna)});
  add("chosen.jpg", {f.photo_of(ben), f.photo_of(anna)}).face_chosen = true;
  add("ben.jpg", {f.photo_of(ben)});
  // Cleo's own model: judged among her photos, not against Anna.
  for (int i = 0; i < 2; ++i)
    add("cleo" + std::to_string(i) + ".jpg", {f.photo_of(cleo)}).person = "Cleo";
  add("edited.jpg", {f.photo_of(ben), f.photo_of(anna)});
  p.edits["edited"] = {{"light", 1}};

  const PersonCheckSummary first = apply_person_check(p, faces, kThreshold);
  EXPECT_EQ(first.measured, 9);
  EXPECT_EQ(first.left_out_ids, std::vector<std::string>{"ben"});
  EXPECT_EQ(first.face_changed_ids, std::vector<std::string>{"group"});
  const PhotoEntry& group = *p.find("group");
  EXPECT_EQ(group.face_index, 1);
  EXPECT_EQ(group.aligned, group.faces[1]);
  EXPECT_TRUE(group.rig.empty()) << "the rig was fitted to Ben";
  EXPECT_EQ(group.status, PhotoState::aligned) << "fitted again";
  EXPECT_EQ(p.find("edited")->face_index, 0) << "the user's edit is of Ben's face: kept";
  EXPECT_EQ(p.edits.count("edited"), 1u);
  EXPECT_GT(group.likeness(), 0.6);
  const PhotoEntry& chosen = *p.find("chosen");
  EXPECT_EQ(chosen.face_index, 0) << "the user chose Ben's face";
  EXPECT_LT(chosen.likeness(), kThreshold) << "the similarity of the face in use";
  EXPECT_FALSE(chosen.excluded) << "a face of it is Anna's";
  ASSERT_EQ(chosen.face_likeness.size(), 2u);
  EXPECT_GT(chosen.face_likeness[1], 0.6) << "every face is measured";
  p.find("chosen")->face_index = 1; // the user picks Anna after all
  EXPECT_GT(p.find("chosen")->likeness(), 0.6) << "the likeness follows the face in use";
  PhotoEntry& stranger = *p.find("ben");
  EXPECT_TRUE(stranger.excluded);
  EXPECT_NE(stranger.reason.find("album's person"), std::string::npos) << stranger.reason;
  EXPECT_FALSE(p.find("cleo0")->excluded);
  EXPECT_GT(p.find("cleo1")->likeness(), 0.6);

  // The user includes Ben's photo again and a later import is checked: it stays in.
  stranger.excluded = false;
  add("anna3.jpg", {f.photo_of(anna)});
  const PersonCheckSummary second = apply_person_check(p, faces, kThreshold);
  EXPECT_TRUE(second.left_out_ids.empty());
  EXPECT_TRUE(second.face_changed_ids.empty());
  EXPECT_FALSE(p.find("ben")->excluded);
  EXPECT_GT(p.find("anna3")->likeness(), 0.6);

  // The measure is kept in the manifest.
  const double group_similarity = p.find("group")->likeness();
  p.save();
  Project reopened = Project::open(p.folder);
  EXPECT_NEAR(reopened.find("group")->likeness(), group_similarity, 1e-9);
  EXPECT_TRUE(reopened.find("chosen")->face_chosen);
  EXPECT_FALSE(reopened.find("group")->face_chosen);
}
