#include "model/base/assets.h"
#include "model/base/atomic_file.h"
#include "model/base/paths.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using drig::AssetStatus;
using drig::FileKind;

namespace {

AssetStatus status_of(const drig::AssetReport& report, const std::string& name) {
  for (const AssetStatus& s : report.files)
    if (s.spec->file_name == name)
      return s;
  throw std::runtime_error("no spec " + name);
}

} // namespace

TEST(Assets, AllRequiredPresentIsUsable) {
  drig::test::TempDir dir("assets-good");
  drig::test::write_fake_assets(dir.path());
  const drig::AssetReport report = drig::validate_assets(dir.path());
  EXPECT_TRUE(report.usable());
  EXPECT_TRUE(report.problems().empty());
  EXPECT_EQ(status_of(report, "deca_model.tar").found, FileKind::TorchZip);
  EXPECT_EQ(status_of(report, "uv_face_mask.png").state, AssetStatus::State::Missing);
}

TEST(Assets, MissingFilesNameTheFileAndWhereToGetIt) {
  drig::test::TempDir dir("assets-missing");
  drig::test::write_fake_assets(dir.path());
  fs::remove(dir / "generic_model.pkl");
  const drig::AssetReport report = drig::validate_assets(dir.path());
  EXPECT_FALSE(report.usable());
  ASSERT_EQ(report.problems().size(), 1u);
  EXPECT_NE(report.problems()[0].find("generic_model.pkl is missing"), std::string::npos);
  EXPECT_NE(report.problems()[0].find("flame.is.tue.mpg.de"), std::string::npos);
}

TEST(Assets, WrongFormatIsDetectedByContentNotName) {
  drig::test::TempDir dir("assets-wrong");
  drig::test::write_fake_assets(dir.path());
  // A real tar archive (what users expect deca_model.tar to be) and a JPEG named .npz.
  drig::write_file_atomic(dir / "deca_model.tar",
                          std::string(257, '\0') + "ustar" + std::string(300, '\0'));
  drig::write_file_atomic(dir / "FLAME_texture.npz", std::string("\xff\xd8\xff\xe0", 4));
  const drig::AssetReport report = drig::validate_assets(dir.path());
  EXPECT_FALSE(report.usable());
  EXPECT_EQ(status_of(report, "deca_model.tar").state, AssetStatus::State::WrongFormat);
  const AssetStatus texture = status_of(report, "FLAME_texture.npz");
  EXPECT_EQ(texture.state, AssetStatus::State::WrongFormat);
  EXPECT_EQ(texture.found, FileKind::Jpeg);
  EXPECT_NE(texture.detail.find("is not a NumPy .npz (content: JPEG image)"), std::string::npos)
      << texture.detail;
  EXPECT_EQ(report.problems().size(), 2u);
}

TEST(Assets, MissingFolderIsOneClearProblem) {
  const drig::AssetReport report = drig::validate_assets("/nonexistent/assets");
  EXPECT_FALSE(report.folder_exists);
  ASSERT_EQ(report.problems().size(), 1u);
  EXPECT_NE(report.problems()[0].find("/nonexistent/assets does not exist"), std::string::npos);
}

TEST(Assets, SniffsTheRealFormatsOfTheReferenceFiles) {
  DRIG_REQUIRE_SHARED();
  const fs::path deca = drig::test::shared_dir() / "reference" / "deca" / "data";
  EXPECT_EQ(drig::sniff_file_kind(deca / "generic_model.pkl"), FileKind::Pickle);
  EXPECT_EQ(drig::sniff_file_kind(deca / "FLAME_texture.npz"), FileKind::Npz);
  EXPECT_EQ(drig::sniff_file_kind(deca / "landmark_embedding.npy"), FileKind::Npy);
  EXPECT_EQ(drig::sniff_file_kind(deca / "head_template.obj"), FileKind::WavefrontObj);
  EXPECT_EQ(drig::sniff_file_kind(deca / "uv_face_mask.png"), FileKind::Png);
  EXPECT_EQ(drig::sniff_file_kind(deca / "mean_texture.jpg"), FileKind::Jpeg);

  // The compressed checkpoints: their first bytes are enough to sniff.
  drig::test::TempDir dir("assets-sniff");
  const auto head = [&](const std::string& command, const std::string& out) {
    drig::test::run_command(command + " 2>/dev/null | head -c 65536 > " + (dir / out).string());
    return dir / out;
  };
  EXPECT_EQ(drig::sniff_file_kind(
                head("xz -dc '" + (deca / "deca_model.tar.xz").string() + "'", "deca_model.tar")),
            FileKind::TorchZip);
  const fs::path tiny = drig::test::shared_dir() / "reference" / "diffusion" / "tiny";
  EXPECT_EQ(
      drig::sniff_file_kind(head(
          "tar -xJOf '" + (tiny / "checkpoints.tar.xz").string() + "' model000000.pt", "zip.pt")),
      FileKind::TorchZip);
  EXPECT_EQ(drig::sniff_file_kind(head("tar -xJOf '" + (tiny / "checkpoints.tar.xz").string() +
                                           "' model000000_legacy.pt",
                                       "legacy.pt")),
            FileKind::TorchLegacy);
}

TEST(Paths, AssetsDirPrecedence) {
  ::setenv("DIFFUSIONRIG_ASSETS", "/from/env", 1);
  EXPECT_EQ(drig::resolve_assets_dir(fs::path("/chosen")), fs::path("/chosen"));
  EXPECT_EQ(drig::resolve_assets_dir(std::nullopt), fs::path("/from/env"));
  ::unsetenv("DIFFUSIONRIG_ASSETS");
  ::setenv("XDG_DATA_HOME", "/xdg", 1);
  EXPECT_EQ(drig::resolve_assets_dir(std::nullopt), fs::path("/xdg/diffusionrig/assets"));
  ::unsetenv("XDG_DATA_HOME");
}
