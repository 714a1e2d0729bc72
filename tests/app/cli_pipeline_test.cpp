// The whole Stage 2 path a user runs on an album, at a tiny size with the
// synthetic DECA assets: align -> create-data -> train (with a preview).
#include "tests/support/test_paths.h"
#include "training/datasets/lmdb_dataset.h"
#include "training/photo_io/image_file.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cstdlib>

namespace fs = std::filesystem;
using drig::test::run_command;

TEST(CliPipeline, AlbumToPersonalModel) {
  DRIG_REQUIRE_SHARED();
  const fs::path shared = drig::test::shared_dir();
  const std::string cli = drig::test::cli();
  drig::test::TempDir assets("pipe_assets"), work("pipe_work");
  for (const auto& e : fs::directory_iterator(shared / "reference/deca/data"))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), assets / e.path().filename().string());
  fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                     assets / "deca_model.tar");
  const std::string global = cli + " --device cpu --assets " + assets.path().string();
  auto r = run_command(global + " align -i " + (shared / "testdata/albums/mark").string() + " -o " +
                       (work / "aligned").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_command(global + " create-data --data_dir " + (work / "aligned").string() +
                  " --output_dir " + (work / "mark.lmdb").string() +
                  " --image_size 64 --use_meanshape True 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const drig::datasets::DatasetReader data(work / "mark.lmdb");
  EXPECT_GE(data.size(), 4) << r.out; // 5 photos of one person
  r = run_command(global + " train --stage 2 --data_dir " + (work / "mark.lmdb").string() +
                  " --log_dir " + (work / "run").string() +
                  " --image_size 64 --num_channels 32 --num_res_blocks 1 --attention_resolutions 16"
                  " --channel_mult 1,2 --latent_dim 16 --batch_size 2 --max_steps 3"
                  " --save_interval 3 --preview_interval 3 --preview_steps ddim2 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(work / "run" / "model000003.pt"));
  EXPECT_TRUE(fs::exists(work / "run" / "preview000003.png"));

  // Editing with the personal model: the paper's transfer, then a slider edit
  // pasted back into the full photo with a before/after image.
  const fs::path album = shared / "testdata/albums/mark";
  const std::string infer = global + " infer --model_path " +
                            (work / "run/model000003.pt").string() + " --meanshape " +
                            (work / "mark.lmdb/mean_shape.pkl").string() + " --cache " +
                            (work / "cache").string() + " --steps ddim3 --image_size 64 ";
  r = run_command(infer + "--source " + (album / "img14.jpg").string() + " --target " +
                  (album / "img15.jpg").string() + " --modes light,exp,pose -o " +
                  (work / "transfer").string() + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* mode : {"light", "exp", "pose"}) {
    EXPECT_TRUE(fs::exists(work / "transfer" / (std::string("0_") + mode + ".png"))) << mode;
    EXPECT_TRUE(fs::exists(work / "transfer" / (std::string("img14_") + mode + ".jpg"))) << mode;
  }
  r = run_command(infer + "--source " + (album / "img14.jpg").string() +
                  " --light-azimuth 70 --yaw 15 --side-by-side -o " + (work / "edit").string() +
                  " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // The second run found the photo aligned and fitted in the cache.
  EXPECT_NE(r.out.find("aligned 0, fitted 0"), std::string::npos) << r.out;
  const fs::path edited = work / "edit/img14_edited.jpg";
  ASSERT_TRUE(fs::exists(edited)) << r.out;
  EXPECT_TRUE(fs::exists(work / "edit/img14_edited_compare.jpg"));
  const auto size_of = [](const fs::path& p) { return drig::image_io::read_declared_size(p); };
  EXPECT_EQ(size_of(edited).width, size_of(album / "img14.jpg").width);
  EXPECT_EQ(size_of(edited).height, size_of(album / "img14.jpg").height);

  // The identity guard: every result gets a score; --min-identity samples
  // again (this tiny model's results are noise, so it always retries).
  const char* home = std::getenv("HOME");
  const bool face_models =
      home &&
      fs::exists(fs::path(home) / ".local/share/diffusionrig/face-api/face_recognition_model.bin");
  if (face_models) {
    EXPECT_NE(r.out.find("identity "), std::string::npos) << r.out;
    r = run_command(infer + "--source " + (album / "img14.jpg").string() +
                    " --yaw 10 --min-identity 0.9 --identity-retries 2 --no-paste-back -o " +
                    (work / "guard").string() + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("2 more seed(s) tried for --min-identity 0.90"), std::string::npos)
        << r.out;
    // An expression edit says which expression the result shows.
    r = run_command(infer + "--source " + (album / "img14.jpg").string() +
                    " --jaw 20 --no-paste-back -o " + (work / "expression").string() + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("  expression: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(the photo: "), std::string::npos) << r.out;
  }
  // The light of a background photo, at the photo's own exposure.
  {
    auto bg = run_command(infer + "--source " + (album / "img14.jpg").string() +
                          " --light-from-background " + (album / "img15.jpg").string() +
                          " --no-paste-back -o " + (work / "background").string() + " 2>&1");
    ASSERT_EQ(bg.exit_code, 0) << bg.out;
    EXPECT_TRUE(fs::exists(work / "background/img14_edit.png")) << bg.out;
    bg = run_command(infer + "--source " + (album / "img14.jpg").string() +
                     " --light-from-background " + (album / "img15.jpg").string() +
                     " --light-azimuth 30 -o " + (work / "background2").string() + " 2>&1");
    EXPECT_NE(bg.exit_code, 0);
    EXPECT_NE(bg.out.find("sets the whole light"), std::string::npos) << bg.out;
  }

  // A face of under 100 px in a group photo is upscaled, edited and pasted
  // back at its own size; the rest of the photo stays as it was, and
  // create-data still refuses the face.
  {
    const fs::path group = shared / "testdata/faces/groups/2007_007763.jpg";
    auto g = run_command(infer + "--source " + group.string() + " --yaw 15 --format png -o " +
                         (work / "group").string() + " 2>&1");
    ASSERT_EQ(g.exit_code, 0) << g.out;
    EXPECT_NE(g.out.find("limited by the photo's resolution"), std::string::npos) << g.out;
    const cv::Mat before = cv::imread(group.string(), cv::IMREAD_COLOR);
    const cv::Mat after =
        cv::imread((work / "group/2007_007763_edited.png").string(), cv::IMREAD_COLOR);
    ASSERT_EQ(after.size(), before.size()) << g.out;
    cv::Mat diff;
    cv::absdiff(after, before, diff);
    std::vector<cv::Mat> channels;
    cv::split(diff, channels);
    const cv::Mat changed = (channels[0] | channels[1] | channels[2]) > 0;
    EXPECT_GT(cv::countNonZero(changed), 0) << "the face was edited";
    const cv::Rect box = cv::boundingRect(changed);
    EXPECT_LT(box.width, 200) << "only the small face's region changes";
    EXPECT_LT(box.height, 200);
    fs::path aligned_dir;
    for (const auto& e : fs::directory_iterator(work / "cache"))
      if (e.path().filename().string().rfind("2007_007763", 0) == 0)
        aligned_dir = e.path();
    ASSERT_FALSE(aligned_dir.empty());
    g = run_command(global + " create-data --data_dir " + aligned_dir.string() + " --output_dir " +
                    (work / "group.lmdb").string() + " --image_size 64 2>&1");
    EXPECT_NE(g.exit_code, 0) << g.out;
    EXPECT_NE(g.out.find("too small to train on"), std::string::npos) << g.out;
  }

  r = run_command(infer + "--source " + (album / "img14.jpg").string() +
                  " --yaw 10 --min-identity 0.5 --face-models " + (work / "none").string() +
                  " -o " + (work / "guard2").string() + " 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--min-identity needs the face-api models"), std::string::npos) << r.out;
  if (const char* keep = std::getenv("DRIG_KEEP_OUTPUT")) {
    fs::create_directories(keep);
    fs::copy_file(work / "edit/img14_edited_compare.jpg", fs::path(keep) / "infer_compare.jpg",
                  fs::copy_options::overwrite_existing);
  }
}
