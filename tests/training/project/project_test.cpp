// Studio projects: save/open round trip, relative paths that survive moving
// the folder, and clear refusals of damaged or newer project files.
#include "model/base/error.h"
#include "tests/support/test_paths.h"
#include "training/project/project.h"

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;
using drig::project::ModelState;
using drig::project::PhotoState;
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
  a.status = PhotoState::fitted;
  a.aligned = p.aligned_dir() / "a.png";
  a.rig = p.rigs_dir() / "a.rig.json";
  auto& b = p.add_photo(dir / "photos/sub/a.jpg");
  EXPECT_EQ(b.id, "a_2"); // same stem, another file
  b.status = PhotoState::no_face;
  b.reason = "no face found";
  EXPECT_EQ(&p.add_photo(dir / "photos/a.jpg"), &p.photos[0]) << "added twice";
  auto& person = p.person("Mark");
  person.model = p.models_dir() / "mark/model005000.pt";
  person.status = ModelState::trained;
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

// A manifest as 665f19e wrote it (states as strings; one photo and one model
// saved while their jobs ran, then the Studio was killed).
TEST(Project, AManifestFrom665f19eOpensWithItsStates) {
  drig::test::TempDir dir("project_665f19e");
  fs::create_directories(dir / "p");
  std::ofstream(dir / "p" / drig::project::kManifestName) << R"({
  "format": "diffusionrig-studio-project", "version": 1, "name": "Mark",
  "photos": [
    {"id": "a", "source": {"path": "../a.jpg", "absolute": "/photos/a.jpg"},
     "aligned": {"path": "aligned/a.png"}, "rig": {"path": "rigs/a.rig.json"},
     "status": "fitted", "reason": "", "excluded": false, "face_index": 0,
     "faces_found": 1, "faces": [{"path": "aligned/a.png"}], "person": ""},
    {"id": "b", "source": {"path": "../b.jpg", "absolute": "/photos/b.jpg"},
     "aligned": null, "rig": null, "status": "no-face", "reason": "no face found",
     "excluded": false, "face_index": 0, "faces_found": 0, "faces": [], "person": ""},
    {"id": "c", "source": {"path": "../c.jpg", "absolute": "/photos/c.jpg"},
     "aligned": null, "rig": null, "status": "aligning", "reason": "", "excluded": false,
     "face_index": 0, "faces_found": 0, "faces": [], "person": ""},
    {"id": "d", "source": {"path": "../d.jpg", "absolute": "/photos/d.jpg"},
     "aligned": {"path": "aligned/d.png"}, "rig": null, "status": "fitting", "reason": "",
     "excluded": true, "face_index": 0, "faces_found": 1, "faces": [], "person": ""}
  ],
  "people": [
    {"name": "Mark", "dataset": {"path": "models/mark/data.lmdb"},
     "log_dir": {"path": "models/mark"}, "model": null, "meanshape": null,
     "status": "training", "steps_done": 1200, "train_options": {"lr": 1e-05}}
  ],
  "edits": {"a": {"strength": 0.5}}, "window_state": "AAAA"
})";
  const Project p = Project::open(dir / "p");
  ASSERT_EQ(p.photos.size(), 4u);
  EXPECT_EQ(p.photos[0].status, PhotoState::fitted);
  EXPECT_EQ(p.photos[1].status, PhotoState::no_face);
  EXPECT_EQ(p.photos[2].status, PhotoState::queued) << "its alignment job is gone: queued again";
  EXPECT_EQ(p.photos[3].status, PhotoState::aligned) << "its fitting job is gone: fit again";
  EXPECT_EQ(p.people.at(0).status, ModelState::paused) << "training resumes from a checkpoint";
  EXPECT_EQ(p.people.at(0).steps_done, 1200);
  EXPECT_EQ(p.usable_count(), 1); // a (fitted); d is excluded
  // Saved again, the manifest keeps the same strings.
  p.save();
  std::ifstream in(p.manifest());
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["photos"][1]["status"], "no-face");
  EXPECT_EQ(j["people"][0]["status"], "paused");
}

TEST(Project, StatesRoundTripAndUnknownOnesAreNamed) {
  for (const PhotoState s :
       {PhotoState::queued, PhotoState::aligning, PhotoState::aligned, PhotoState::fitting,
        PhotoState::fitted, PhotoState::no_face, PhotoState::error})
    EXPECT_EQ(drig::project::parse_photo_state(drig::project::to_string(s)), s);
  for (const ModelState s : {ModelState::fresh, ModelState::dataset, ModelState::training,
                             ModelState::paused, ModelState::trained, ModelState::failed})
    EXPECT_EQ(drig::project::parse_model_state(drig::project::to_string(s)), s);
  EXPECT_EQ(drig::project::to_string(ModelState::fresh), "new");
  const std::string error =
      drig::test::error_of([] { drig::project::parse_photo_state("haunted"); });
  EXPECT_NE(error.find("\"haunted\""), std::string::npos) << error;
  EXPECT_NE(error.find("no-face"), std::string::npos) << error;
}
