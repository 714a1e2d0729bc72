// `diffusionrig align` run as a user would: summary, exit codes, re-runs, Ctrl-C.
#include "model/face_api/face_api_models.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

int count_png(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().extension() == ".png";
  return n;
}

} // namespace

TEST(CliAlign, AlignsAnAlbumAndSummarisesWhatFailed) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir album("cli_align_album");
  const fs::path portraits = drig::test::shared_dir() / "testdata/faces/portraits";
  fs::copy_file(portraits / "exp_2.jpg", album / "exp 2 (copy).jpg");
  fs::copy_file(portraits / "exp_5.jpg", album / "exp_5.jpg");
  std::ofstream(album / "readme.jpg") << "hello";
  drig::test::TempDir out("cli_align_out");
  const std::string cmd = cli() + " align -i '" + album.path().string() + "' -o '" +
                          out.path().string() + "' --workers 2 2>&1";
  const auto first = run_command(cmd);
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("aligned"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("unreadable"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("readme.jpg"), std::string::npos) << first.out;
  EXPECT_TRUE(fs::exists(out / "exp 2 (copy).png"));
  EXPECT_TRUE(fs::exists(out / "exp 2 (copy).json"));
  EXPECT_EQ(count_png(out.path()), 2);
  const auto again = run_command(cmd);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
}

TEST(CliAlign, NothingAlignedIsAFailure) {
  drig::test::TempDir album("cli_align_bad");
  std::ofstream(album / "a.jpg") << "not a photo";
  drig::test::TempDir out("cli_align_bad_out");
  const auto r = run_command(cli() + " align -i " + album.path().string() + " -o " +
                             out.path().string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("a.jpg"), std::string::npos) << r.out;
}

TEST(CliAlign, CtrlCStopsAndKeepsFinishedOutputs) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir out("cli_align_sigint");
  const fs::path albums = drig::test::shared_dir() / "testdata/albums";
  // One worker over 18 photos: the interrupt lands after the first output.
  const std::string script =
      "(" + cli() + " align -i " + (albums / "angelina").string() + " " +
      (albums / "mark").string() + " " + (albums / "matt").string() + " -o " + out.path().string() +
      " --workers 1 >/dev/null 2>&1 & pid=$!; " + "for i in $(seq 600); do ls " +
      out.path().string() +
      "/*.json >/dev/null 2>&1 && break; sleep 0.1; done; kill -INT $pid; wait $pid; echo $?)";
  const auto r = run_command(script);
  EXPECT_EQ(std::atoi(r.out.c_str()), 130) << r.out;
  const int kept = count_png(out.path());
  EXPECT_GE(kept, 1);
  EXPECT_LT(kept, 18);
  for (const auto& e : fs::directory_iterator(out.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(CliFit, FitsAlignedPhotosResumesAndExportsMeshes) {
  DRIG_REQUIRE_SHARED();
  const fs::path data = drig::test::shared_dir() / "reference/deca/data";
  drig::test::TempDir assets("cli_fit_assets");
  for (const auto& e : fs::directory_iterator(data))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), assets / e.path().filename().string());
  fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                     assets / "deca_model.tar");
  drig::test::TempDir aligned("cli_fit_aligned");
  for (const char* name : {"img10.png", "img11.png"})
    fs::copy_file(drig::test::shared_dir() / "reference/align/expected/angelina" / name,
                  aligned / name);
  drig::test::TempDir rigs("cli_fit_rigs");
  const std::string cmd = cli() + " --device cpu --assets " + assets.path().string() + " fit -i " +
                          aligned.path().string() + " -o " + rigs.path().string() +
                          " --use-meanshape --export-obj 2>&1";
  const auto first = run_command(cmd);
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("fitted 2"), std::string::npos) << first.out;
  for (const char* name : {"img10.rig.json", "img11.rig.json", "img10.obj", "mean_shape.pkl"})
    EXPECT_TRUE(fs::exists(rigs / name)) << name;
  const auto again = run_command(cmd);
  EXPECT_NE(again.out.find("up to date 2"), std::string::npos) << again.out;
  // No assets: one clear line naming the missing file.
  drig::test::TempDir empty("cli_fit_no_assets");
  const auto bad =
      run_command(cli() + " --device cpu --assets " + empty.path().string() + " fit -i " +
                  aligned.path().string() + " -o " + rigs.path().string() + " --force 2>&1");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("deca_model.tar"), std::string::npos) << bad.out;
}

// `diffusionrig assets`: install from downloads with odd names, then status.
TEST(CliAssets, InstallsFromDownloadsAndSaysWhatIsStillMissing) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dl("cli-assets-dl"), assets("cli-assets");
  const fs::path data = drig::test::shared_dir() / "reference/deca/data";
  fs::copy_file(data / "landmark_embedding.npy", dl / "download (2)");
  fs::copy_file(data / "FLAME_texture.npz", dl / "texture.bin");
  const std::string base = cli() + " -q --assets '" + assets.path().string() + "' assets ";

  auto r = run_command(base + "install '" + dl.path().string() + "' < /dev/null 2>&1");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("--accept-licences"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(assets / "FLAME_texture.npz")) << "nothing before the licences";

  r = run_command(base + "install '" + dl.path().string() + "' --accept-licences 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("installed FLAME_texture.npz"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("installed landmark_embedding.npy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deca_model.tar: register at flame.is.tue.mpg.de"), std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(assets / "landmark_embedding.npy"));

  r = run_command(base + "status 2>&1");
  EXPECT_EQ(r.exit_code, 1) << "required files are still missing\n" << r.out;
  EXPECT_NE(r.out.find("landmark_embedding.npy       present"), std::string::npos) << r.out;
}

// `identity --album` on an aligned folder: the album's person and the photo
// that shows someone else, as the Studio judges them.
TEST(CliIdentity, TellsTheAlbumsPersonFromAStranger) {
  DRIG_REQUIRE_SHARED();
  const fs::path models = drig::face::default_face_api_dir();
  if (!fs::exists(models / drig::face::kDescriptorManifest))
    GTEST_SKIP() << "no face recognition model in " << models
                 << " (packaging/bootstrap.sh installs it)";
  const fs::path albums = drig::test::shared_dir() / "testdata/albums";
  drig::test::TempDir album("cli_identity_album");
  for (const char* name : {"img1", "img2", "img4"})
    fs::copy_file(albums / "angelina" / (std::string(name) + ".jpg"),
                  album / (std::string(name) + ".jpg"));
  fs::copy_file(albums / "mark/img13.jpg", album / "stranger.jpg");
  drig::test::TempDir out("cli_identity_aligned");
  const auto aligned = run_command(cli() + " -q align -i '" + album.path().string() + "' -o '" +
                                   out.path().string() + "' --all-faces 2>&1");
  ASSERT_EQ(aligned.exit_code, 0) << aligned.out;
  const auto r =
      run_command(cli() + " -q identity --album '" + out.path().string() + "' --json 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.at("found").get<bool>());
  ASSERT_EQ(j.at("photos").size(), 4u);
  for (const auto& p : j.at("photos")) {
    const bool stranger = p.at("source").get<std::string>().find("stranger") != std::string::npos;
    EXPECT_EQ(p.at("is_person").get<bool>(), !stranger) << p.dump();
  }
  // Only one photo: nobody recurs, exit 1 with the reason.
  drig::test::TempDir one("cli_identity_one");
  fs::copy_file(out / "img1.png", one / "img1.png");
  fs::copy_file(out / "img1.json", one / "img1.json");
  const auto alone = run_command(cli() + " -q identity --album '" + one.path().string() + "' 2>&1");
  EXPECT_EQ(alone.exit_code, 1) << alone.out;
  EXPECT_NE(alone.out.find("cannot be told yet"), std::string::npos) << alone.out;
  const auto both =
      run_command(cli() + " identity a.png --album '" + one.path().string() + "' 2>&1");
  EXPECT_NE(both.exit_code, 0) << both.out;
}
