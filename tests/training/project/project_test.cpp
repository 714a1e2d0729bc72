// Studio projects: save/open round trip, relative paths that survive moving
// the folder, and clear refusals of damaged or newer project files.
#include "model/base/error.h"
#include "tests/support/test_paths.h"
#include "training/project/project.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using drig::project::Project;

namespace {

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

} // namespace

TEST(Project, SavesAndReopensEverything) {
  drig::test::TempDir dir("project_roundtrip");
  touch(dir / "photos/a.jpg");
  touch(dir / "photos/sub/a.jpg");
  Project p = Project::create(dir / "proj", "Mark");
  auto& a = p.add_photo(dir / "photos/a.jpg");
  a.status = "fitted";
  a.aligned = p.aligned_dir() / "a.png";
  a.rig = p.rigs_dir() / "a.rig.json";
  auto& b = p.add_photo(dir / "photos/sub/a.jpg");
  EXPECT_EQ(b.id, "a_2"); // same stem, another file
  b.status = "no-face";
  b.reason = "no face found";
  EXPECT_EQ(&p.add_photo(dir / "photos/a.jpg"), &p.photos[0]) << "added twice";
  auto& person = p.person("Mark");
  person.model = p.models_dir() / "mark/model005000.pt";
  person.status = "trained";
  person.steps_done = 5000;
  person.train_options = {{"lr", 1e-5}, {"batch_size", 4}};
  p.edits["a"] = {{"strength", 0.5}};
  p.window_state = "AAAA";
  p.save();
  EXPECT_EQ(p.usable_count(), 1);

  const Project q = Project::open(dir / "proj");
  EXPECT_EQ(nlohmann::json(drig::project::to_json(q)), nlohmann::json(drig::project::to_json(p)));
  EXPECT_EQ(q.photos[0].source, p.photos[0].source);
  EXPECT_EQ(q.photos[1].reason, "no face found");
  EXPECT_EQ(q.people[0].steps_done, 5000);
  EXPECT_EQ(q.edits.at("a").at("strength"), 0.5);

  // Paths inside the folder are stored relative: the project can move.
  std::ifstream in(p.manifest());
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["photos"][0]["aligned"]["path"], "aligned/a.png");
  fs::rename(dir / "proj", dir / "moved");
  const Project r = Project::open(dir / "moved" / drig::project::kManifestName);
  EXPECT_EQ(r.photos[0].aligned, dir / "moved/aligned/a.png");
  EXPECT_EQ(r.photos[0].source, p.photos[0].source) << "photos outside keep their place";
  EXPECT_EQ(r.people[0].model, dir / "moved/models/mark/model005000.pt");
}

TEST(Project, DamagedNewerAndForeignFilesAreClearErrors) {
  drig::test::TempDir dir("project_bad");
  const auto error_for = [&](const std::string& text) {
    fs::create_directories(dir / "p");
    std::ofstream(dir / "p" / drig::project::kManifestName) << text;
    return drig::test::error_of([&] { Project::open(dir / "p"); });
  };
  EXPECT_NE(
      error_for("{\"format\": \"diffusionrig-studio-project\", \"version\": 7, \"photos\": []}")
          .find("newer"),
      std::string::npos);
  EXPECT_NE(error_for("{\"photos\": []}").find("not a DiffusionRig Studio project"),
            std::string::npos);
  EXPECT_NE(
      error_for("{\"format\": \"diffusionrig-studio-project\", \"version\": 1}").find("damaged"),
      std::string::npos);
  EXPECT_NE(error_for("{{{").find(drig::project::kManifestName), std::string::npos);
  EXPECT_NE(drig::test::error_of([&] { Project::open(dir / "nowhere"); }).find("nowhere"),
            std::string::npos);
  touch(dir / "full/x.txt");
  EXPECT_NE(drig::test::error_of([&] { Project::create(dir / "full", "x"); }).find("not empty"),
            std::string::npos);
}
