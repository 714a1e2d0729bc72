// The model set-up assistant on archives made here from the synthetic
// official-format files: nested folders, wrong names, a damaged member and a
// duplicate install exactly the right files, licences are confirmed once,
// and a good installed file is never replaced by a bad one.
#include "model/base/assets.h"
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/zip_archive.h"
#include "tests/support/test_paths.h"
#include "training/setup/asset_install.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig;
using namespace drig::setup;

namespace {

fs::path data(const std::string& name) {
  return test::shared_dir() / "reference/deca/data" / name;
}

// A stored zip of (member name, source file) pairs; `damage` flips one byte
// of that member's data so that its checksum no longer matches.
void make_zip(const fs::path& out, const std::vector<std::pair<std::string, fs::path>>& members,
              const std::string& damage = {}) {
  std::ostringstream bytes;
  formats::ZipWriter zip(bytes);
  for (const auto& [name, file] : members)
    zip.add(name, read_file(file));
  zip.finish();
  std::string archive = bytes.str();
  if (!damage.empty()) {
    const formats::ZipReader reader(archive, "test");
    const formats::ZipEntry* e = reader.find(damage);
    ASSERT_NE(e, nullptr);
    archive[e->data_offset + e->size / 2] ^= 0x5a;
  }
  write_file_atomic(out, archive);
}

std::set<std::string> names(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

std::set<std::string> folder_files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.insert(e.path().filename().string());
  return out;
}

const FoundFile* found(const InstallReport& r, const std::string& origin_part) {
  for (const FoundFile& f : r.found)
    if (f.origin.find(origin_part) != std::string::npos)
      return &f;
  return nullptr;
}

struct Downloads {
  test::TempDir dir{"asset_downloads"};
  std::vector<fs::path> inputs;
  Downloads() {
    // FLAME2020.zip holds three FLAME models; only the generic one is used.
    make_zip(dir / "FLAME2020.zip", {{"female_model.pkl", data("generic_model.pkl")},
                                     {"generic_model.pkl", data("generic_model.pkl")},
                                     {"male_model.pkl", data("generic_model.pkl")},
                                     {"Readme.pdf", data("mean_texture.jpg")}});
    make_zip(dir / "TextureSpace.zip", {{"FLAME_texture.npz", data("FLAME_texture.npz")}});
    // DECA's repository as a zip, inside another zip, with a damaged member.
    make_zip(dir / "DECA-master.zip",
             {{"DECA-master/data/head_template.obj", data("head_template.obj")},
              {"DECA-master/data/landmark_embedding.npy", data("landmark_embedding.npy")},
              {"DECA-master/data/uv_face_mask.png", data("uv_face_mask.png")},
              {"DECA-master/data/fixed_displacement_256.npy", data("fixed_displacement_256.npy")},
              {"DECA-master/data/texture_data_256.npy", data("texture_data_256.npy")},
              {"DECA-master/README.md", data("head_template.obj").parent_path() / "../README.md"}},
             "DECA-master/data/uv_face_mask.png");
    make_zip(dir / "downloads.zip", {{"nested/DECA-master.zip", dir / "DECA-master.zip"}});
    fs::create_directories(dir / "loose" / "deeper");
    // Wrong names: found by content.
    fs::copy_file(test::extracted_fixture("deca/deca_model.tar"), dir / "loose/deca (1).bin");
    fs::copy_file(test::extracted_fixture("tiny/model000000.pt"),
                  dir / "loose/deeper/checkpoint-download");
    fs::copy_file(data("FLAME_texture.npz"), dir / "loose/texture copy.npz"); // a duplicate
    inputs = {dir / "FLAME2020.zip", dir / "TextureSpace.zip", dir / "downloads.zip",
              dir / "loose"};
  }
};

std::vector<std::string> all_licences() {
  std::vector<std::string> ids;
  for (const LicenceNote& n : licence_notes())
    ids.push_back(n.id);
  return ids;
}

} // namespace

TEST(AssetInstall, FindsEachFileByContentAndInstallsExactlyTheRightOnes) {
  DRIG_REQUIRE_SHARED();
  Downloads d;
  test::TempDir assets("asset_install");
  InstallOptions o;
  o.inputs = d.inputs;
  o.assets_dir = assets.path();

  // Licences first: nothing moves until they are confirmed.
  InstallReport r = install_assets(o);
  EXPECT_EQ(names(r.licences_needed), (std::set<std::string>{"deca", "diffusionrig", "flame"}));
  EXPECT_TRUE(r.installed.empty());
  EXPECT_EQ(folder_files(assets.path()), std::set<std::string>{}) << "nothing installed or left";

  o.accept_licences = r.licences_needed;
  r = install_assets(o);
  const std::set<std::string> expected = {"stage1.pt",
                                          "deca_model.tar",
                                          "generic_model.pkl",
                                          "FLAME_texture.npz",
                                          "landmark_embedding.npy",
                                          "head_template.obj",
                                          "fixed_displacement_256.npy"};
  EXPECT_EQ(names(r.installed), expected);
  std::set<std::string> on_disk = expected;
  on_disk.insert("LICENCES-ACCEPTED.txt");
  EXPECT_EQ(folder_files(assets.path()), on_disk) << "no extraction folder or temporary left";
  EXPECT_EQ(read_file(assets / "generic_model.pkl"), read_file(data("generic_model.pkl")));
  EXPECT_EQ(read_file(assets / "stage1.pt"),
            read_file(test::extracted_fixture("tiny/model000000.pt")));
  EXPECT_EQ(read_file(assets / "landmark_embedding.npy"),
            read_file(data("landmark_embedding.npy")));
  EXPECT_TRUE(r.missing.empty());
  EXPECT_TRUE(validate_assets(assets.path()).usable());

  const FoundFile* damaged = found(r, "uv_face_mask.png");
  ASSERT_NE(damaged, nullptr);
  EXPECT_TRUE(damaged->asset.empty());
  EXPECT_NE(damaged->reason.find("damaged"), std::string::npos) << damaged->reason;
  const FoundFile* male = found(r, "male_model.pkl");
  ASSERT_NE(male, nullptr);
  EXPECT_TRUE(male->asset.empty()) << "the generic model is the one used";
  const FoundFile* duplicate = found(r, "texture copy.npz");
  ASSERT_NE(duplicate, nullptr);
  EXPECT_NE(duplicate->reason.find("same file"), std::string::npos) << duplicate->reason;
  const FoundFile* unused = found(r, "texture_data_256.npy");
  ASSERT_NE(unused, nullptr);
  EXPECT_TRUE(unused->asset.empty());

  // A second run asks for nothing (the licences are recorded) and changes nothing.
  o.accept_licences.clear();
  r = install_assets(o);
  EXPECT_TRUE(r.licences_needed.empty());
  EXPECT_TRUE(r.installed.empty());
  EXPECT_EQ(names(r.unchanged), expected);
}

TEST(AssetInstall, NeverReplacesAGoodFileWithABadOneAndRepairsABadOne) {
  DRIG_REQUIRE_SHARED();
  test::TempDir dl("asset_install_bad"), assets("asset_install_existing");
  InstallOptions o;
  o.assets_dir = assets.path();
  o.accept_licences = all_licences();

  // A good FLAME model is installed; a truncated one is offered.
  fs::copy_file(data("generic_model.pkl"), assets / "generic_model.pkl");
  const std::string good = read_file(data("generic_model.pkl"));
  write_file_atomic(dl / "generic_model.pkl", good.substr(0, good.size() / 3));
  // A damaged landmark embedding is installed; a good one is offered.
  write_file_atomic(assets / "landmark_embedding.npy", "not an array");
  fs::copy_file(data("landmark_embedding.npy"), dl / "embedding.npy");
  o.inputs = {dl / "generic_model.pkl", dl / "embedding.npy"};
  InstallReport r = install_assets(o);
  EXPECT_EQ(read_file(assets / "generic_model.pkl"), good) << "the good file stays";
  EXPECT_EQ(read_file(assets / "landmark_embedding.npy"), read_file(data("landmark_embedding.npy")))
      << "the bad file is repaired";
  EXPECT_EQ(names(r.installed), std::set<std::string>{"landmark_embedding.npy"});
  const FoundFile* truncated = found(r, "generic_model.pkl");
  ASSERT_NE(truncated, nullptr);
  EXPECT_NE(truncated->reason.find("unreadable"), std::string::npos) << truncated->reason;

  // A different good file is kept out unless asked: the Stage 1 model.
  fs::copy_file(test::extracted_fixture("tiny/model000000.pt"), assets / "stage1.pt");
  fs::copy_file(test::extracted_fixture("tiny/model000000_legacy.pt"), dl / "other.pt");
  o.inputs = {dl / "other.pt"};
  r = install_assets(o);
  EXPECT_EQ(names(r.kept), std::set<std::string>{"stage1.pt"});
  EXPECT_EQ(read_file(assets / "stage1.pt"),
            read_file(test::extracted_fixture("tiny/model000000.pt")));
  o.replace = true;
  r = install_assets(o);
  EXPECT_EQ(names(r.installed), std::set<std::string>{"stage1.pt"});
  EXPECT_EQ(read_file(assets / "stage1.pt"), read_file(dl / "other.pt"));

  // What is still missing comes with where to get it.
  EXPECT_EQ(names(r.missing),
            (std::set<std::string>{"deca_model.tar", "FLAME_texture.npz", "head_template.obj"}));
  EXPECT_NE(how_to_get("generic_model.pkl").find("flame.is.tue.mpg.de"), std::string::npos);

  // An input that does not exist is an error naming it; cancel stops before moving files.
  EXPECT_NE(test::error_of([&] {
              o.inputs = {dl / "nowhere.zip"};
              install_assets(o);
            }).find("nowhere.zip"),
            std::string::npos);
  JobContext job;
  job.cancel.cancel();
  o.inputs = {dl / "embedding.npy"};
  EXPECT_THROW(install_assets(o, job), CancelledError);
}

TEST(AssetInstall, OptionsReportEveryProblemAtOnce) {
  test::TempDir dir("asset_install_check");
  write_file_atomic(dir / "a-file", "x");
  InstallOptions o;
  o.inputs = {dir / "gone.zip", dir / "also-gone"};
  o.assets_dir = dir / "a-file";
  OptionCheck c;
  o.check(c);
  EXPECT_EQ(c.problems().size(), 3u) << ::testing::PrintToString(c.problems());
  const std::string e = test::error_of([&] { install_assets(o); });
  for (const char* part : {"gone.zip", "also-gone", "is a file"})
    EXPECT_NE(e.find(part), std::string::npos) << e;
}
