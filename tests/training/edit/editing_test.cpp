// The editing engine: the paper's transfer modes, slider edits and their
// JSON, the sampling behind infer against the original's DDIM run, cancel,
// caching and paste-back into the full photo (writing: photo_writer_test.cpp).
#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/formats/npy.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/edit_fixtures.h"
#include "training/align/album_job.h"
#include "training/datasets/create_data.h"
#include "training/edit/edit_engine.h"
#include "training/edit/source_paste.h"
#include "training/photo_io/icc_profile.h"
#include "training/photo_io/image_file.h"
#include "training/rig/rig_edit.h"
#include "training/rig/rig_file.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using namespace drig;
using namespace drig::editing;
using drig::test::random_code;

namespace {

bool same(const at::Tensor& a, const at::Tensor& b) {
  return at::equal(a, b);
}

at::Tensor fixture(const std::string& relative) {
  return formats::load_npy(test::shared_dir() / "reference/diffusion/tiny" / relative).tensor;
}

// Where a 32 px result pastes into the photo (its 256 crop's map scaled by 8).
cv::Rect paste_box(cv::Size photo, const PreparedPhoto& p) {
  const cv::Matx23d& m = p.aligned_to_source;
  return paste_region(
      photo, 32, cv::Matx23d(m(0, 0) * 8, m(0, 1) * 8, m(0, 2), m(1, 0) * 8, m(1, 1) * 8, m(1, 2)));
}

} // namespace

TEST(EditModes, EachModeTakesExactlyWhatTheOriginalTakes) {
  const face::DecaCode src = random_code(1), tgt = random_code(2);
  const face::DecaCode pose = transfer(src, tgt, TransferMode::Pose);
  EXPECT_TRUE(same(pose.pose.narrow(1, 0, 3), tgt.pose.narrow(1, 0, 3)));
  EXPECT_TRUE(same(pose.pose.narrow(1, 3, 3), src.pose.narrow(1, 3, 3))); // jaw stays
  EXPECT_TRUE(same(pose.exp, src.exp) && same(pose.light, src.light) && same(pose.cam, src.cam));
  const face::DecaCode exp = transfer(src, tgt, TransferMode::Exp);
  EXPECT_TRUE(same(exp.exp, tgt.exp));
  EXPECT_TRUE(same(exp.pose.narrow(1, 3, 3), tgt.pose.narrow(1, 3, 3))); // with the jaw
  EXPECT_TRUE(same(exp.pose.narrow(1, 0, 3), src.pose.narrow(1, 0, 3)));
  EXPECT_TRUE(same(exp.light, src.light));
  const face::DecaCode light = transfer(src, tgt, TransferMode::Light);
  EXPECT_TRUE(same(light.light, tgt.light));
  EXPECT_TRUE(same(light.exp, src.exp) && same(light.pose, src.pose));
  const face::DecaCode latent = transfer(src, tgt, TransferMode::Latent);
  for (const auto& [a, b] : {std::pair{latent.shape, src.shape},
                             {latent.tex, src.tex},
                             {latent.exp, src.exp},
                             {latent.pose, src.pose},
                             {latent.cam, src.cam},
                             {latent.light, src.light}})
    EXPECT_TRUE(same(a, b));
  EXPECT_EQ(parse_mode("light"), TransferMode::Light);
  EXPECT_NE(test::error_of([] { parse_mode("hair"); }).find("hair"), std::string::npos);
}

TEST(EditSpec, SlidersMoveTheRigAndStrengthScalesThem) {
  const face::DecaCode fitted = random_code(3);
  EditSpec spec;
  spec.pose_delta_deg = {20, -5, 3};
  spec.expression = {{2, 1.5}};
  spec.jaw_deg = 12;
  spec.light.azimuth_deg = 60;
  const face::DecaCode full = apply_spec(fitted, spec);
  const auto ypr = [](const face::DecaCode& c) {
    const at::Tensor p = c.pose.to(at::kDouble).contiguous();
    return rendering::axis_angle_to_euler_deg(
        {p.data_ptr<double>()[0], p.data_ptr<double>()[1], p.data_ptr<double>()[2]});
  };
  const auto before = ypr(fitted), after = ypr(full);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(after[i] - before[i], spec.pose_delta_deg[i], 1e-3) << i;
  EXPECT_FLOAT_EQ(full.exp[0][2].item<float>(), 1.5f);
  EXPECT_NEAR(full.pose[0][3].item<double>(), 12 * M_PI / 180, 1e-6);
  EXPECT_FALSE(same(full.light, fitted.light));
  EXPECT_TRUE(same(full.shape, fitted.shape) && same(full.cam, fitted.cam));

  spec.strength = 0;
  const face::DecaCode none = apply_spec(fitted, spec);
  EXPECT_TENSOR_NEAR(none.pose, fitted.pose, 1e-5);
  EXPECT_TRUE(same(none.exp, fitted.exp));
  EXPECT_TRUE(same(none.light, fitted.light));
  spec.strength = 0.5;
  const face::DecaCode half = apply_spec(fitted, spec);
  EXPECT_NEAR(half.exp[0][2].item<double>(), (fitted.exp[0][2].item<double>() + 1.5) / 2, 1e-5);
  const auto mid = ypr(half);
  EXPECT_NEAR(mid[0] - before[0], 10, 1e-3);
}

TEST(EditSpec, JsonRoundTripsAndBadFilesAreClearErrors) {
  EditSpec spec;
  spec.light.azimuth_deg = -30;
  spec.light.colour = std::array<double, 3>{1, 0.9, 0.8};
  spec.expression = {{0, 0.5}, {7, -1}};
  spec.jaw_deg = 5;
  spec.pose_delta_deg = {10, 0, -2};
  spec.strength = 0.75;
  spec.steps = "ddim50";
  spec.seed = 42;
  test::TempDir dir("edit_json");
  save_edit(dir / "edit.json", spec);
  const EditSpec back = load_edit(dir / "edit.json");
  EXPECT_EQ(to_json(back), to_json(spec));
  EXPECT_EQ(back.expression, spec.expression);
  EXPECT_EQ(back.seed, 42);

  const auto error = [&](const std::string& text) {
    std::ofstream(dir / "bad.json") << text;
    return test::error_of([&] { load_edit(dir / "bad.json"); });
  };
  EXPECT_NE(error("{\"strength\": 2}").find("strength"), std::string::npos);
  EXPECT_NE(error("{\"expression\": {\"x\": 1}}").find("'x'"), std::string::npos);
  EXPECT_NE(error("{\"light\": {\"sh\": [1, 2]}}").find("27"), std::string::npos);
  EXPECT_NE(error("{\"version\": 99}").find("newer"), std::string::npos);
  EXPECT_NE(error("not json").find("bad.json"), std::string::npos);
}

TEST(EditEngine, SamplingEqualsTheOriginalDdimRunAndCancelsWithinAStep) {
  DRIG_REQUIRE_SHARED();
  EngineOptions o;
  o.model_path = test::extracted_fixture("tiny/model000000.pt");
  o.device = "cpu";
  o.image_size = 32; // checkpoints do not record it; infer has --image_size
  EditEngine engine(o);
  EXPECT_EQ(engine.image_size(), 32);
  GenerateOptions g;
  g.steps = "ddim10";
  g.noise = fixture("ddim/noise.npy");
  const at::Tensor out =
      engine.generate(fixture("ddim/physic_cond.npy"), fixture("ddim/latent.npy"), g);
  // float32 kernels differ between CPUs: one value of 6144 is 1.008e-4 off on an
  // AVX-512 EPYC (within 1e-4 on others), hence 2e-4.
  EXPECT_TENSOR_NEAR(out, fixture("ddim/run_final.npy"), 2e-4);

  JobContext job;
  int64_t last = 0;
  g.preview_every = 1;
  g.on_preview = [&](int64_t step, int64_t total, const at::Tensor& pred) {
    EXPECT_EQ(total, 10);
    EXPECT_EQ(pred.size(1), 3);
    last = step;
    if (step == 3)
      job.cancel.cancel();
  };
  EXPECT_THROW(engine.generate(fixture("ddim/physic_cond.npy"), fixture("ddim/latent.npy"), g, job),
               CancelledError);
  EXPECT_EQ(last, 3) << "sampling went on after the cancel";
}

TEST(PasteBack, UneditedCropChangesNothingAndOutsideTheMaskStaysBitIdentical) {
  for (const int depth : {CV_8U, CV_16U}) {
    cv::Mat photo(480, 640, CV_MAKETYPE(depth, 3));
    cv::randu(photo, 0, depth == CV_8U ? 256 : 65536);
    // A 256 crop of a tilted square 300 px wide around (330, 220).
    const double a = 0.2, s = 300.0 / 256;
    const cv::Matx23d a2s(s * std::cos(a), -s * std::sin(a), 0, s * std::sin(a), s * std::cos(a),
                          0);
    cv::Matx23d map = a2s;
    map(0, 2) = 330 - (a2s(0, 0) * 128 + a2s(0, 1) * 128);
    map(1, 2) = 220 - (a2s(1, 0) * 128 + a2s(1, 1) * 128);
    cv::Mat aligned(256, 256, CV_32FC3);
    cv::randu(aligned, 0, 1);
    cv::Mat alpha = cv::Mat::zeros(256, 256, CV_32FC1);
    cv::circle(alpha, {128, 140}, 70, cv::Scalar(1), cv::FILLED);
    const cv::Mat mask = paste_mask(alpha, alpha, {});
    const cv::Mat same_photo = paste_back(photo, aligned, aligned, mask, map);
    EXPECT_EQ(cv::norm(same_photo, photo, cv::NORM_INF), 0) << "an unedited crop changed pixels";

    cv::Mat edited = aligned.clone();
    edited.setTo(cv::Scalar(0.9, 0.2, 0.2));
    PasteOptions no_match;
    no_match.colour_match = false;
    const cv::Mat out = paste_back(photo, aligned, edited, mask, map, no_match);
    const cv::Rect box = paste_region(photo.size(), 256, map);
    cv::Mat outside = out.clone();
    photo(box).copyTo(outside(box));
    EXPECT_EQ(cv::norm(outside, photo, cv::NORM_INF), 0) << "pixels outside the crop changed";
    // The face centre got the edit, the crop's corner did not.
    const auto pixel_changed = [&](cv::Point p) {
      return cv::norm(out(cv::Rect(p, cv::Size(1, 1))), photo(cv::Rect(p, cv::Size(1, 1))),
                      cv::NORM_INF) > 0;
    };
    EXPECT_TRUE(pixel_changed({330, 225}));
    EXPECT_FALSE(pixel_changed({int(map(0, 2)) + 3, int(map(1, 2)) + 8}));
    EXPECT_EQ(out.type(), photo.type());
  }
}

// The model often shifts the whole crop's tone; pasted as it is, that shift
// fades in along the feather and shows as a coloured ring around the face.
TEST(PasteBack, SeamColourMatchingRemovesAToneShiftAndKeepsTheEdit) {
  cv::Mat photo(480, 640, CV_8UC3, cv::Scalar(128, 110, 90));
  const cv::Matx23d map(1, 0, 200, 0, 1, 100); // the crop is photo(200..455, 100..355)
  cv::Mat aligned;
  photo(cv::Rect(200, 100, 256, 256)).convertTo(aligned, CV_32FC3, 1.0 / 255);
  cv::Mat alpha = cv::Mat::zeros(256, 256, CV_32FC1);
  cv::circle(alpha, {128, 128}, 80, cv::Scalar(1), cv::FILLED);
  const cv::Mat mask = paste_mask(alpha, alpha, {});
  const cv::Scalar offset(0.10, 0.05, -0.08); // the tone shift
  cv::Mat result = aligned + offset;
  result(cv::Rect(113, 113, 30, 30)) += cv::Scalar(0.2, 0.2, 0.2); // the edit itself

  const auto worst_step_in_band = [&](const cv::Mat& out) {
    double worst = 0;
    for (int y = 2; y < 254; ++y)
      for (int x = 2; x < 254; ++x) {
        const float m = mask.at<float>(y, x);
        if (m > 0.05f && m < 0.5f)
          for (int c = 0; c < 3; ++c)
            worst = std::max(worst, std::abs(double(out.at<cv::Vec3b>(y + 100, x + 200)[c]) -
                                             double(photo.at<cv::Vec3b>(y + 100, x + 200)[c])));
      }
    return worst;
  };
  const auto centre_change = [&](const cv::Mat& out) {
    return double(out.at<cv::Vec3b>(228, 328)[0]) - double(photo.at<cv::Vec3b>(228, 328)[0]);
  };
  const cv::Mat matched = paste_back(photo, aligned, result, mask, map);
  PasteOptions off;
  off.colour_match = false;
  const cv::Mat unmatched = paste_back(photo, aligned, result, mask, map, off);

  // Without matching, the shift appears in the band (0.10 x 255 at mask 0.5:
  // 12 levels); with it, the band keeps the photo's colour to rounding.
  EXPECT_GT(worst_step_in_band(unmatched), 8.0);
  EXPECT_LE(worst_step_in_band(matched), 1.0);
  // The edit itself stays: +0.2 (51 levels) in the red channel at the centre.
  EXPECT_NEAR(centre_change(matched), 0.2 * 255, 2.0);
  EXPECT_NEAR(centre_change(unmatched), 0.3 * 255, 2.0);
}

// An Adobe RGB photo: converting only the paste region to sRGB and back must
// give exactly what converting the whole photo gave.
TEST(PasteIntoSource, IccRegionRoundTripEqualsTheWholePhotoConversion) {
  DRIG_REQUIRE_SHARED();
  const fs::path file = test::shared_dir() / "testdata/albums/mark/img14.jpg";
  image_io::LoadOptions load;
  load.convert_icc = true;
  const image_io::LoadedImage srgb = image_io::load_image(file, load);
  ASSERT_TRUE(srgb.info.icc_converted) << "img14.jpg should carry a non-sRGB profile";
  load.convert_icc = false;
  const cv::Mat stored = image_io::load_image(file, load).rgb;
  const double side = srgb.rgb.rows / 3.0, scale = side / 64.0;
  const cv::Matx23d a2s(scale, 0, srgb.rgb.cols / 2.0 - side / 2, 0, scale, srgb.rgb.rows / 3.0);
  cv::Matx23d s2a;
  cv::invertAffineTransform(a2s, s2a);
  cv::Mat aligned;
  cv::warpAffine(srgb.rgb, aligned, cv::Mat(s2a), cv::Size(64, 64), cv::INTER_AREA);
  aligned.convertTo(aligned, CV_32FC3, 1.0 / 255.0);
  cv::Mat alpha(64, 64, CV_32F, cv::Scalar(0));
  cv::circle(alpha, cv::Point(32, 34), 22, cv::Scalar(1), -1);
  // A lighter face centre (a uniform shift would be undone by the colour match).
  cv::Mat result = aligned.clone();
  cv::circle(result, cv::Point(32, 34), 12, cv::Scalar(0.9, 0.7, 0.6), -1);
  const cv::Mat mask = paste_mask(alpha, alpha, {});

  const cv::Mat fast = paste_into_source({file, true, true}, aligned, result, mask, a2s);
  // The whole photo through sRGB, as the engine once did it.
  const cv::Mat composite = paste_back(srgb.rgb, aligned, result, mask, a2s);
  const cv::Rect box = paste_region(stored.size(), 64, a2s);
  cv::Mat back = composite(box).clone();
  image_io::detail::convert_from_srgb(back, read_metadata(file).icc);
  cv::Mat whole = stored.clone();
  for (int y = 0; y < box.height; ++y)
    for (int x = 0; x < box.width; ++x)
      if (composite(box).at<cv::Vec3b>(y, x) != srgb.rgb(box).at<cv::Vec3b>(y, x))
        whole(box).at<cv::Vec3b>(y, x) = back.at<cv::Vec3b>(y, x);
  ASSERT_EQ(fast.size(), stored.size());
  EXPECT_EQ(cv::norm(fast, whole, cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(fast, stored, cv::NORM_INF), 0) << "the edit changed something";
}

TEST(EditEngine, PreparesAPhotoOnceAndEditsIt) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("engine_assets"), cache("engine_cache");
  const EngineOptions o = test::tiny_engine(assets, cache);
  const fs::path photo = test::shared_dir() / "testdata/albums/mark/img14.jpg";
  {
    EditEngine engine(o);
    auto p = engine.prepare(photo);
    const auto again = engine.prepare(photo);
    EXPECT_EQ(p.get(), again.get());
    auto c = engine.counters();
    EXPECT_EQ(c.aligned, 1);
    EXPECT_EQ(c.fitted, 1);
    EXPECT_EQ(c.encoded, 1);
    EXPECT_EQ(c.cache_hits, 1);
    EXPECT_EQ(p->source, photo);
    EXPECT_EQ(p->latent.size(1), 16);
    EXPECT_EQ(p->buffers.sizes(), (at::IntArrayRef{1, 9, 32, 32}));

    fitting::Rig rig = p->rig;
    test::use_reference_face(rig);
    test::TempDir rigs("engine_rig");
    fitting::save_rig(rigs / "img14.rig.json", rig);
    const auto face = engine.prepare_aligned(p->aligned_png, rigs / "img14.rig.json");
    EXPECT_EQ(fs::weakly_canonical(face->source), fs::weakly_canonical(photo))
        << "the sidecar names the source photo";
    p = face;

    EditSpec spec;
    spec.steps = "ddim2";
    spec.pose_delta_deg = {25, 0, 0};
    spec.strength = 0; // the source's own rig: its own buffers, exactly
    EXPECT_TRUE(same(engine.render(*p, apply_spec(p->rig.code, spec)), p->buffers));
    spec.strength = 1;
    const EditResult r = engine.edit(*p, spec);
    EXPECT_GT(cv::sum(p->alpha)[0], 20) << "the fitted face covers too little of the crop";
    EXPECT_FALSE(same(r.buffers, p->buffers))
        << "coverage " << cv::sum(p->alpha)[0] << " -> " << cv::sum(r.alpha)[0];
    EXPECT_EQ(r.sample.sizes(), (at::IntArrayRef{1, 3, 32, 32}));
    EXPECT_TRUE(same(engine.edit(*p, spec).sample, r.sample)) << "the same seed must repeat";

    const cv::Mat full = engine.paste(*p, r);
    image_io::LoadOptions stored; // the pixels as stored: img14 has an Adobe RGB profile
    stored.convert_icc = false;
    const image_io::LoadedImage source = image_io::load_image(photo, stored);
    ASSERT_EQ(full.size(), source.rgb.size());
    const cv::Rect box = paste_box(full.size(), *p);
    cv::Mat outside = full.clone();
    source.rgb(box).copyTo(outside(box));
    EXPECT_EQ(cv::norm(outside, source.rgb, cv::NORM_INF), 0);
    EXPECT_GT(cv::norm(full(box), source.rgb(box), cv::NORM_INF), 0);
  }
  EditEngine second(o); // a new session: the disk cache is up to date
  second.prepare(photo);
  const auto c = second.counters();
  EXPECT_EQ(c.aligned, 0);
  EXPECT_EQ(c.fitted, 0);
  EXPECT_EQ(c.encoded, 1);
}

TEST(EditEngine, OptionsReportEveryProblemAtOnce) {
  test::TempDir dir("engine_check");
  EngineOptions o;
  o.model_path = dir / "no-model.pt";
  o.assets_dir = dir / "no-assets";
  o.image_size = 4;
  o.device = "gpu9";
  OptionCheck c;
  o.check(c);
  EXPECT_EQ(c.problems().size(), 4u) << ::testing::PrintToString(c.problems());
  const std::string e = test::error_of([&] { EditEngine engine(o); });
  for (const char* part : {"no-model.pt", "no-assets", "8..1024", "gpu9"})
    EXPECT_NE(e.find(part), std::string::npos) << e;
}

// Issue 24: DECA's encoder, its hash and the landmark model are read once
// per process, and an aligned crop goes to fitting and encoding in memory.
TEST(EditEngine, AnAlbumRunReadsEachModelOnceAndDecodesEachPhotoOnce) {
  DRIG_REQUIRE_SHARED();
  test::TempDir assets("engine_assets"), cache("engine_cache"), cache2("engine_cache2");
  EngineOptions o = test::tiny_engine(assets, cache);
  const fs::path album = test::shared_dir() / "testdata/albums/mark";
  std::vector<fs::path> photos;
  for (const auto& e : fs::directory_iterator(album))
    photos.push_back(e.path());
  std::sort(photos.begin(), photos.end());
  photos.resize(std::min<size_t>(photos.size(), 2));
  const std::map<std::string, int> before = load_counts();
  const auto delta = [&](const std::string& kind) {
    const auto it = before.find(kind);
    return load_count(kind) - (it == before.end() ? 0 : it->second);
  };
  {
    EditEngine engine(o);
    for (const fs::path& photo : photos)
      EXPECT_FALSE(engine.prepare(photo)->aligned_rgb.empty());
  }
  o.cache_dir = cache2.path(); // a second job of the same process, nothing on disk
  EditEngine second(o);
  second.prepare(photos[0]);
  EXPECT_EQ(second.counters().fitted, 1);
  EXPECT_LE(delta("deca encoder"), 1);
  EXPECT_LE(delta("asset hash"), 1) << "deca_model.tar is hashed once";
  EXPECT_LE(delta("landmark model"), 1);
  EXPECT_EQ(delta("photo decode"), int(photos.size()) + 1)
      << "one decode per photo: the aligned crop is handed over, not read back";
}

TEST(EditEngine, ASmallFaceOfAGroupPhotoIsUpscaledEditedAndPastedBackAtItsOwnSize) {
  DRIG_REQUIRE_SHARED();
  // A PASCAL VOC group photo (500 x 375) whose faces are 37-45 px boxes.
  const fs::path photo = test::shared_dir() / "testdata/faces/groups/2007_007763.jpg";
  test::TempDir assets("small_assets"), cache("small_cache"), plain("small_plain");
  // Training's alignment keeps align.py's rule: too small, nothing written.
  align::AlignJobOptions strict;
  strict.inputs = {photo};
  strict.output_dir = plain.path();
  const align::AlignSummary refused = align::align_album(strict, {});
  ASSERT_EQ(refused.photos.size(), 1u);
  EXPECT_EQ(refused.photos[0].status, align::PhotoStatus::TooSmall) << refused.photos[0].reason;

  const EngineOptions o = test::tiny_engine(assets, cache);
  EditEngine engine(o);
  const auto p = engine.prepare(photo);
  EXPECT_GT(p->upscaled_from_px, 0);
  EXPECT_LT(p->upscaled_from_px, 100) << "a face under 100 px";
  EditSpec spec;
  spec.steps = "ddim2";
  spec.pose_delta_deg = {20, 0, 0};
  const EditResult r = engine.edit(*p, spec);
  const cv::Mat full = engine.paste(*p, r);
  const image_io::LoadedImage source = image_io::load_image(photo);
  ASSERT_EQ(full.size(), source.rgb.size());
  // Only the face's own small region changes: the crop's 256 px map back
  // onto under 100 px of the photo.
  const cv::Rect box = paste_box(full.size(), *p);
  EXPECT_LT(box.width, 2 * 100);
  cv::Mat outside = full.clone();
  source.rgb(box).copyTo(outside(box));
  EXPECT_EQ(cv::norm(outside, source.rgb, cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(full(box), source.rgb(box), cv::NORM_INF), 0);

  // create-data refuses the upscaled face and says why.
  const fs::path aligned_dir = p->aligned_png.parent_path();
  datasets::CreateDataOptions data;
  data.data_dir = aligned_dir;
  data.output_dir = cache.path() / "small.lmdb";
  data.assets_dir = o.assets_dir;
  data.image_size = 32;
  const std::string error = test::error_of([&] { datasets::create_data(data, {}); });
  EXPECT_NE(error.find("too small to train on"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(data.output_dir));
}
