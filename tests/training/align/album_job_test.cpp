// The album job as the CLI and the Studio run it: mixed good and bad files,
// sidecars, re-runs, name collisions, several faces, cancellation.
#include "model/base/error.h"
#include "tests/support/test_paths.h"
#include "training/align/album_job.h"
#include "training/align/sidecar.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

fs::path portrait(const std::string& name) {
  return test::shared_dir() / "testdata/faces/portraits" / name;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const cv::Scalar m = cv::mean(d);
  return (m[0] + m[1] + m[2]) / 3.0;
}

TEST(Sidecar, ReadsBackWhatTheAlbumJobWroteAndNamesTheFileWhenBroken) {
  DRIG_REQUIRE_SHARED();
  test::TempDir album("sidecar_album");
  fs::copy_file(portrait("exp_2.jpg"), album / "exp_2.jpg");
  test::TempDir out("sidecar_out");
  AlignJobOptions o;
  o.inputs = {album.path()};
  o.output_dir = out.path();
  ASSERT_EQ(align_album(o, {}).count(PhotoStatus::Aligned), 1);

  const auto record = read_sidecar(sidecar_path(out / "exp_2.png"));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->source, fs::absolute(album / "exp_2.jpg"));
  EXPECT_EQ(record->output_size, 256);
  ASSERT_EQ(record->landmarks.size(), 68u);
  // The two maps are each other's inverse.
  const cv::Vec3d p(123.5, 321.5, 1);
  const cv::Vec2d a = record->source_to_aligned * p;
  const cv::Vec2d back = record->aligned_to_source * cv::Vec3d(a[0], a[1], 1);
  EXPECT_NEAR(back[0], p[0], 1e-6);
  EXPECT_NEAR(back[1], p[1], 1e-6);
  // FFHQ alignment puts the eyes in the upper middle of the crop, at any size.
  for (const double size : {256.0, 64.0}) {
    const std::vector<cv::Point2d> lm = record->aligned_landmarks(size);
    const cv::Point2d left_eye = (lm[36] + lm[39]) * 0.5, right_eye = (lm[42] + lm[45]) * 0.5;
    EXPECT_GT(left_eye.y, 0.3 * size);
    EXPECT_LT(left_eye.y, 0.55 * size);
    EXPECT_LT(left_eye.x, 0.5 * size);
    EXPECT_GT(right_eye.x, 0.5 * size);
  }

  EXPECT_FALSE(read_sidecar(out / "none.json"));
  std::ofstream(out / "garbage.json") << "{not json";
  std::ofstream(out / "partial.json") << R"({"alignment": {"output_size": 256}})";
  for (const char* name : {"garbage.json", "partial.json"}) {
    try {
      read_sidecar(out / name);
      ADD_FAILURE() << name << " was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(AlbumJob, AlignsGoodPhotosAndReportsEachBadOne) {
  DRIG_REQUIRE_SHARED();
  test::TempDir album("album_mixed");
  fs::copy_file(portrait("exp_2.jpg"), album / "exp_2.jpg");
  fs::copy_file(portrait("exp_1.jpg"), album / "exp_1.jpg"); // a PNG named .jpg
  std::ofstream(album / "notes.jpg") << "not a photo";
  std::ofstream(album / "empty.png").flush();
  cv::imwrite((album / "sky.png").string(), cv::Mat(200, 300, CV_8UC3, cv::Scalar(200, 150, 90)));
  test::TempDir out("album_mixed_out");

  AlignJobOptions o;
  o.inputs = {album.path()};
  o.output_dir = out.path();
  o.workers = 2;
  const AlignSummary s = align_album(o, {});
  ASSERT_EQ(s.photos.size(), 5u);
  EXPECT_FALSE(s.cancelled);
  EXPECT_EQ(s.count(PhotoStatus::Aligned), 2);
  EXPECT_EQ(s.count(PhotoStatus::NoFace), 1);
  EXPECT_EQ(s.count(PhotoStatus::Unreadable), 2);
  for (const PhotoResult& p : s.photos)
    if (p.status == PhotoStatus::Unreadable) {
      EXPECT_NE(p.reason.find(p.source.filename().string()), std::string::npos) << p.reason;
    }

  // The aligned output equals the original align.py's (issue tolerance: mean
  // abs diff <= 2/255) and its sidecar says where it came from.
  const cv::Mat ours = cv::imread((out / "exp_2.png").string());
  const cv::Mat want =
      cv::imread((test::shared_dir() / "reference/align/expected/portraits/exp_2.png").string());
  ASSERT_FALSE(ours.empty());
  EXPECT_LE(mean_abs_diff(ours, want), 2.0);
  const nlohmann::json side = read_json(out / "exp_2.json");
  EXPECT_EQ(side["source"]["path"], fs::absolute(album / "exp_2.jpg").string());
  EXPECT_EQ(side["source"]["md5"].get<std::string>().size(), 32u);
  EXPECT_EQ(side["face"]["detector"], "dlib-hog");
  EXPECT_EQ(side["face"]["landmarks68"].size(), 68u);
  EXPECT_EQ(side["image"]["format"], "JPEG");
  EXPECT_EQ(read_json(out / "exp_1.json")["image"]["format"], "PNG");
  // The transform maps the quad's NW corner onto the output's top-left corner.
  const auto& m = side["alignment"]["source_to_aligned"];
  const auto& nw = side["alignment"]["quad_nw_sw_se_ne"][0];
  const double x = m[0][0].get<double>() * nw[0].get<double>() +
                   m[0][1].get<double>() * nw[1].get<double>() + m[0][2].get<double>();
  const double y = m[1][0].get<double>() * nw[0].get<double>() +
                   m[1][1].get<double>() * nw[1].get<double>() + m[1][2].get<double>();
  EXPECT_NEAR(x, 0.0, 0.5);
  EXPECT_NEAR(y, 0.0, 0.5);

  // A re-run touches nothing that is up to date.
  const auto before = fs::last_write_time(out / "exp_2.png");
  const AlignSummary again = align_album(o, {});
  EXPECT_EQ(again.count(PhotoStatus::UpToDate), 2);
  EXPECT_EQ(fs::last_write_time(out / "exp_2.png"), before);
  // A changed source is aligned again.
  fs::last_write_time(album / "exp_2.jpg", before + std::chrono::seconds(5));
  EXPECT_EQ(align_album(o, {}).count(PhotoStatus::Aligned), 1);
}

TEST(AlbumJob, SameStemsDoNotOverwriteEachOther) {
  DRIG_REQUIRE_SHARED();
  test::TempDir album("album_stems");
  fs::copy_file(portrait("exp_2.jpg"), album / "face.jpg");
  fs::copy_file(portrait("exp_1.jpg"), album / "face.png");
  test::TempDir out("album_stems_out");
  AlignJobOptions o;
  o.inputs = {album.path()};
  o.output_dir = out.path();
  EXPECT_EQ(align_album(o, {}).count(PhotoStatus::Aligned), 2);
  EXPECT_TRUE(fs::exists(out / "face.png"));
  EXPECT_TRUE(fs::exists(out / "face_2.png"));
  EXPECT_NE(read_json(out / "face.json")["source"]["md5"],
            read_json(out / "face_2.json")["source"]["md5"]);

  // A later run into the same folder (the Studio aligns each import on its
  // own) with a third photo of that name takes a free name and leaves the
  // other photos' crops alone.
  test::TempDir other("album_stems_other");
  fs::copy_file(portrait("exp_3.jpg"), other / "face.jpg");
  const auto before = fs::last_write_time(out / "face.png");
  AlignJobOptions later = o;
  later.inputs = {other.path()};
  const AlignSummary s = align_album(later, {});
  ASSERT_EQ(s.photos.size(), 1u);
  ASSERT_EQ(s.photos[0].outputs.size(), 1u);
  EXPECT_EQ(s.photos[0].outputs[0], out / "face_3.png");
  EXPECT_EQ(fs::last_write_time(out / "face.png"), before);
  EXPECT_EQ(read_json(out / "face.json")["source"]["path"],
            fs::absolute(album / "face.jpg").string());
  // Run again, every photo keeps its name and is up to date.
  EXPECT_EQ(align_album(later, {}).count(PhotoStatus::UpToDate), 1);
  EXPECT_EQ(align_album(o, {}).count(PhotoStatus::UpToDate), 2);
  // A photo that is gone gives its name up.
  fs::remove(other / "face.jpg");
  test::TempDir third("album_stems_third");
  fs::copy_file(portrait("exp_5.jpg"), third / "face.jpg");
  later.inputs = {third.path()};
  const AlignSummary t = align_album(later, {});
  ASSERT_EQ(t.photos.size(), 1u);
  ASSERT_EQ(t.photos[0].outputs.size(), 1u);
  EXPECT_EQ(t.photos[0].outputs[0], out / "face_3.png");
}

TEST(AlbumJob, AllFacesWritesOneCropPerFaceLargestFirst) {
  DRIG_REQUIRE_SHARED();
  const fs::path group = test::shared_dir() / "testdata/faces/groups/2008_001009.jpg";
  test::TempDir out("album_group_out");
  AlignJobOptions o;
  o.inputs = {group};
  o.output_dir = out.path();
  o.size = 64; // the group's faces are small: keep them above the minimum
  const AlignSummary one = align_album(o, {});
  ASSERT_EQ(one.photos.size(), 1u);
  EXPECT_EQ(one.photos[0].outputs.size(), 1u);
  EXPECT_GE(one.photos[0].faces_found, 2);
  o.all_faces = true;
  o.force = true;
  const AlignSummary all = align_album(o, {});
  EXPECT_EQ(all.photos[0].outputs.size(), size_t(all.photos[0].faces_found));
  const nlohmann::json first = read_json(out / "2008_001009.json");
  const nlohmann::json second = read_json(out / "2008_001009_face2.json");
  EXPECT_EQ(first["face"]["selection"], "all-faces");
  const auto area = [](const nlohmann::json& j) {
    const auto& b = j["face"]["box_ltrb_inclusive"];
    return (b[2].get<double>() - b[0].get<double>()) * (b[3].get<double>() - b[1].get<double>());
  };
  EXPECT_GE(area(first), area(second));

  // A re-run lists every face the run before wrote (the Studio's face list),
  // without aligning them again...
  o.force = false;
  const AlignSummary again = align_album(o, {});
  EXPECT_EQ(again.photos[0].status, PhotoStatus::UpToDate);
  EXPECT_EQ(again.photos[0].outputs, all.photos[0].outputs);
  EXPECT_EQ(again.photos[0].faces_found, all.photos[0].faces_found);
  // ...and a run that keeps only the largest face leaves only that one in the
  // folder, so a dataset made from it takes no other.
  o.all_faces = false;
  const AlignSummary largest = align_album(o, {});
  EXPECT_EQ(largest.photos[0].status, PhotoStatus::Aligned);
  EXPECT_TRUE(fs::exists(out / "2008_001009.png"));
  EXPECT_FALSE(fs::exists(out / "2008_001009_face2.png"));
  EXPECT_FALSE(fs::exists(out / "2008_001009_face2.json"));
}

TEST(AlbumJob, APhotoThatNoLongerShowsAFaceLeavesNoCrop) {
  DRIG_REQUIRE_SHARED();
  test::TempDir album("album_changed");
  test::TempDir out("album_changed_out");
  fs::copy_file(portrait("exp_2.jpg"), album / "photo.jpg");
  std::ofstream(out / "notes.json") << "{\"mine\": true}"; // not a sidecar: left alone
  AlignJobOptions o;
  o.inputs = {album.path()};
  o.output_dir = out.path();
  ASSERT_EQ(align_album(o, {}).count(PhotoStatus::Aligned), 1);
  ASSERT_TRUE(fs::exists(out / "photo.png"));
  // The photo is replaced by one without a face (a grey frame).
  const auto stamp = fs::last_write_time(album / "photo.jpg");
  cv::imwrite((album / "photo.jpg").string(),
              cv::Mat(300, 400, CV_8UC3, cv::Scalar(128, 128, 128)));
  fs::last_write_time(album / "photo.jpg", stamp + std::chrono::seconds(5));
  const AlignSummary s = align_album(o, {});
  EXPECT_EQ(s.count(PhotoStatus::NoFace), 1);
  EXPECT_FALSE(fs::exists(out / "photo.png")) << "the old face's crop is still there";
  EXPECT_FALSE(fs::exists(out / "photo.json"));
  EXPECT_TRUE(fs::exists(out / "notes.json"));
}

TEST(AlbumJob, CancelStopsCleanlyAndKeepsFinishedOutputs) {
  DRIG_REQUIRE_SHARED();
  test::TempDir album("album_cancel");
  for (const char* name : {"exp_2.jpg", "exp_3.jpg", "exp_5.jpg", "exp_6.jpg", "exp_8.jpg"})
    fs::copy_file(portrait(name), album / name);
  test::TempDir out("album_cancel_out");
  AlignJobOptions o;
  o.inputs = {album.path()};
  o.output_dir = out.path();
  o.workers = 1;
  JobContext job;
  job.on_progress = [&](const ProgressUpdate& u) {
    if (u.done >= 2)
      job.cancel.cancel();
  };
  const AlignSummary s = align_album(o, job);
  EXPECT_TRUE(s.cancelled);
  EXPECT_GE(s.usable(), 2);
  EXPECT_LT(s.usable(), 5);
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(out.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "temporary file left: " << name;
    if (e.path().extension() == ".png") {
      ++pngs;
      EXPECT_FALSE(cv::imread(e.path().string()).empty()) << name;
      EXPECT_TRUE(fs::exists(fs::path(e.path()).replace_extension(".json"))) << name;
    }
  }
  EXPECT_EQ(pngs, s.usable());
}

TEST(AlbumJob, MissingInputIsAClearError) {
  test::TempDir out("album_missing_out");
  AlignJobOptions o;
  o.inputs = {out / "no-such-folder"};
  o.output_dir = out.path();
  EXPECT_NE(test::error_of([&] { align_album(o, {}); }).find("no-such-folder: no such file"),
            std::string::npos);
}

TEST(AlbumJob, OptionsReportEveryProblemAtOnce) {
  test::TempDir out("album_check");
  AlignJobOptions o;
  o.inputs = {out / "missing-a", out / "missing-b"};
  o.size = 8;
  o.workers = -1;
  OptionCheck c;
  o.check(c);
  ASSERT_EQ(c.problems().size(), 5u) << ::testing::PrintToString(c.problems());
  const std::string e = test::error_of([&] { align_album(o, {}); });
  for (const char* part : {"missing-a", "missing-b", "no output folder", "16 and 4096", "workers"})
    EXPECT_NE(e.find(part), std::string::npos) << e;
}

} // namespace
} // namespace drig::align
