// End to end against the original scripts/align.py: every reference photo
// through our loader, detector and alignment must give the original's PNG and
// the original's dlib box and landmarks (../shared/reference/align/expected).
#include "model/base/atomic_file.h"
#include "tests/support/test_paths.h"
#include "training/align/album_job.h"
#include "training/photo_io/icc_profile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

TEST(ReferenceAlbum, OutputsEqualTheOriginalsBitForBit) {
  DRIG_REQUIRE_SHARED();
  const fs::path ref = test::shared_dir() / "reference/align";
  std::ifstream in(ref / "expected/landmarks.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  const fs::path data = test::shared_dir() / "testdata";
  int compared = 0, exact = 0, converted = 0;
  for (const auto& [set, dir] :
       {std::pair<std::string, fs::path>{"portraits", data / "faces/portraits"},
        {"angelina", data / "albums/angelina"}}) {
    test::TempDir out("reference_album_" + set);
    AlignJobOptions o;
    o.inputs = {dir};
    o.output_dir = out.path();
    const AlignSummary s = align_album(o, {});
    for (const PhotoResult& p : s.photos) {
      const std::string key = set + "/" + p.source.filename().string();
      SCOPED_TRACE(key);
      const nlohmann::json& want = json["images"][key];
      if (want["output"].is_null()) {
        // The original finds no face here; ours may (the fallbacks' job).
        if (p.status == PhotoStatus::Aligned) {
          EXPECT_NE(p.detectors.at(0), "dlib-hog");
        }
        continue;
      }
      ASSERT_EQ(p.status, PhotoStatus::Aligned) << p.reason;
      const cv::Mat ours = cv::imread(p.outputs.at(0).string(), cv::IMREAD_UNCHANGED);
      const cv::Mat theirs =
          cv::imread((ref / want["output"].get<std::string>()).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(ours.size(), theirs.size());
      std::ifstream side_in(fs::path(p.outputs[0]).replace_extension(".json"));
      const nlohmann::json side = nlohmann::json::parse(side_in);
      cv::Mat expected = theirs;
      if (side["image"]["icc_converted"].get<bool>()) {
        // The original ignores ICC profiles (exp_4.jpg is Adobe RGB): ours
        // must equal its crop with the same colour conversion applied.
        const std::string bytes = read_file(p.source);
        cv::Mat rgb;
        cv::cvtColor(theirs, rgb, cv::COLOR_BGR2RGB);
        ASSERT_TRUE(image_io::detail::convert_to_srgb(rgb, image_io::detail::extract_icc_profile(
                                                               bytes, image_io::ImageFormat::Jpeg))
                        .converted);
        cv::cvtColor(rgb, expected, cv::COLOR_RGB2BGR);
        ++converted;
      }
      cv::Mat diff;
      cv::absdiff(ours, expected, diff);
      const cv::Scalar mean = cv::mean(diff);
      EXPECT_LE((mean[0] + mean[1] + mean[2]) / 3.0, 2.0); // the tolerance
      exact += cv::countNonZero(diff.reshape(1)) == 0;
      const nlohmann::json& face = want["faces"][want["selected_face"].get<int>()];
      EXPECT_EQ(side["face"]["box_ltrb_inclusive"], face["box"]);
      EXPECT_EQ(side["face"]["detector"], "dlib-hog");
      // dlib's SIMD path (AVX in the reference build, SSE here) sums HOG scores
      // in another order: scores agree to float precision, boxes exactly.
      EXPECT_NEAR(side["face"]["score"].get<double>(), face["score"].get<double>(), 1e-5);
      EXPECT_EQ(side["face"]["landmarks68"].dump(), [&] {
        nlohmann::json pts = nlohmann::json::array();
        for (const auto& pt : face["landmarks"])
          pts.push_back({pt[0].get<double>(), pt[1].get<double>()});
        return pts.dump();
      }());
      ++compared;
    }
  }
  std::cout << compared << " outputs compared, " << exact << " bit-identical, " << converted
            << " colour-managed\n";
  EXPECT_EQ(compared, 25);
  EXPECT_EQ(converted, 1);
  EXPECT_EQ(exact, compared - converted);
}

TEST(ReferenceAlbum, WithoutColourManagementTheAdobeRgbPhotoIsBitIdenticalToo) {
  DRIG_REQUIRE_SHARED();
  const fs::path ref = test::shared_dir() / "reference/align";
  test::TempDir out("reference_album_no_icc");
  AlignJobOptions o;
  o.inputs = {test::shared_dir() / "testdata/faces/portraits/exp_4.jpg"};
  o.output_dir = out.path();
  o.load.convert_icc = false;
  ASSERT_EQ(align_album(o, {}).count(PhotoStatus::Aligned), 1);
  cv::Mat diff;
  cv::absdiff(cv::imread((out / "exp_4.png").string()),
              cv::imread((ref / "expected/portraits/exp_4.png").string()), diff);
  EXPECT_EQ(cv::countNonZero(diff.reshape(1)), 0);
}

} // namespace
} // namespace drig::align
