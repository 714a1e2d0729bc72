// The Studio's slider controls: named expression motions measured on FLAME,
// light colour, and controls -> spec, the same spec infer reads.
#include "model/base/atomic_file.h"
#include "model/face/flame.h"
#include "model/formats/npy.h"
#include "render/environment_light.h"
#include "render/light_rig.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/edit_fixtures.h"
#include "training/edit/cache_prune.h"
#include "training/edit/edit_controls.h"
#include "training/edit/light_from_file.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/rig_edit.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace drig;
using namespace drig::editing;
using drig::test::random_code;

namespace {

face::Flame synthetic_flame() {
  const auto data = test::shared_dir() / "reference/deca/data";
  return face::Flame(
      face::load_flame_assets(data / "generic_model.pkl", data / "landmark_embedding.npy"),
      c10::Device(at::kCPU));
}

} // namespace

TEST(ExpressionBasis, EachNamedMotionMovesItsLandmarksTheWayItsNameSays) {
  DRIG_REQUIRE_SHARED();
  const face::Flame flame = synthetic_flame();
  const ExpressionBasis basis = measure_expression_basis(flame, 100, 50);
  ASSERT_EQ(basis.components, 50);
  ASSERT_EQ(basis.named.size(), 3u);
  const auto landmarks = [&](const std::vector<double>& exp) {
    at::Tensor e = at::tensor(exp, at::kDouble).to(at::kFloat).view({1, 50});
    return flame.forward(at::zeros({1, 100}), e, at::zeros({1, 6})).landmarks3d[0].to(at::kDouble);
  };
  const at::Tensor neutral = landmarks(std::vector<double>(50, 0.0));
  struct Check {
    std::string key;
    int landmark;
    double dx, dy;
  };
  for (const Check& c : {Check{"smile", 54, 1, 1}, Check{"smile", 48, -1, 1},
                         Check{"brows", 19, 0, 1}, Check{"eyes_closed", 37, 0, -1}}) {
    const ExpressionDirection* dir = basis.find(c.key);
    ASSERT_NE(dir, nullptr) << c.key;
    double norm = 0;
    for (double v : dir->coefficients)
      norm += v * v;
    EXPECT_NEAR(std::sqrt(norm), 2.5, 1e-9) << c.key;
    for (size_t i = 20; i < 50; ++i)
      EXPECT_EQ(dir->coefficients[i], 0) << "only the leading 20 components are used";
    const at::Tensor moved = landmarks(dir->coefficients) - neutral;
    const double along =
        moved[c.landmark][0].item<double>() * c.dx + moved[c.landmark][1].item<double>() * c.dy;
    EXPECT_GT(along, 0) << c.key << " moves landmark " << c.landmark << " the wrong way";
  }
  EXPECT_EQ(basis.find("frown"), nullptr);
}

TEST(LightColour, NeutralAtDaylightWarmBelowCoolAboveSameLuminance) {
  const auto luminance = [](const std::array<double, 3>& c) {
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const auto daylight = light_colour(6500, 0);
  for (double v : daylight)
    EXPECT_NEAR(v, 1, 1e-12);
  const auto warm = light_colour(3200, 0), cool = light_colour(10000, 0);
  EXPECT_GT(warm[0], warm[1]);
  EXPECT_GT(warm[1], warm[2]);
  EXPECT_LT(cool[0], cool[2]);
  const auto magenta = light_colour(6500, 1);
  EXPECT_LT(magenta[1], magenta[0]);
  for (const auto& c : {warm, cool, magenta})
    EXPECT_NEAR(luminance(c), 1, 1e-12);
  EXPECT_NE(test::error_of([] { light_colour(500, 0); }).find("500"), std::string::npos);
}

TEST(EditControls, UntouchedControlsLeaveTheRigAsFitted) {
  const face::DecaCode fitted = random_code(5);
  const EditControls c = controls_for(fitted);
  EXPECT_TRUE(c.is_identity());
  const render::DirectionalLight dom =
      render::dominant_light(rendering::light_from_tensor(fitted.light));
  EXPECT_DOUBLE_EQ(c.azimuth_deg, dom.azimuth_deg);
  EXPECT_DOUBLE_EQ(c.elevation_deg, dom.elevation_deg);
  const EditSpec spec = to_spec(c, fitted, ExpressionBasis{50, {}});
  EXPECT_FALSE(spec.changes_rig());
}

TEST(EditControls, EachGroupMakesItsPartOfTheSpec) {
  const face::DecaCode fitted = random_code(6);
  ExpressionBasis basis{50, {{"smile", std::vector<double>(50, 0.0)}}};
  basis.named[0].coefficients[3] = 2;
  EditControls c = controls_for(fitted);
  c.light_edited = true;
  c.azimuth_deg = 40;
  c.intensity = 1.5;
  c.temperature_k = 3000;
  c.named["smile"] = 0.5;
  c.components[7] = -1;
  c.jaw_open_deg = 10;
  c.pose_delta_deg = {5, -3, 1};
  c.strength = 0.8;
  const EditSpec s = to_spec(c, fitted, basis);
  const render::DirectionalLight dom =
      render::dominant_light(rendering::light_from_tensor(fitted.light));
  EXPECT_DOUBLE_EQ(*s.light.azimuth_deg, 40);
  EXPECT_NEAR(*s.light.intensity, dom.intensity * 1.5, 1e-12);
  EXPECT_GT((*s.light.colour)[0] / dom.colour[0], (*s.light.colour)[2] / dom.colour[2])
      << "3000 K is warm";
  ASSERT_EQ(s.expression.size(), 2u);
  EXPECT_EQ(s.expression[0].first, 3);
  EXPECT_NEAR(s.expression[0].second, fitted.exp[0][3].item<double>() + 1, 1e-6);
  EXPECT_EQ(s.expression[1].first, 7);
  EXPECT_NEAR(s.expression[1].second, fitted.exp[0][7].item<double>() - 1, 1e-6);
  EXPECT_EQ(*s.jaw_deg, 10);
  EXPECT_EQ(s.pose_delta_deg, (std::array<double, 3>{5, -3, 1}));
  EXPECT_EQ(s.strength, 0.8);

  // A typed-in SH light wins over the directional controls.
  render::ShLight sh{};
  sh[0] = 2;
  c.light_sh = sh;
  EXPECT_EQ(*to_spec(c, fitted, basis).light.sh, sh);

  // Copying another photo's expression makes it the base of the sliders.
  c.copied = std::vector<double>(50, 0.25);
  const EditSpec copied = to_spec(c, fitted, basis);
  EXPECT_EQ(copied.expression.size(), 50u);
  EXPECT_NEAR(copied.expression[3].second, 1.25, 1e-12);
  c.copied = std::vector<double>(10, 0.0);
  EXPECT_NE(test::error_of([&] { to_spec(c, fitted, basis); }).find("10 coefficients"),
            std::string::npos);

  for (const std::string group : {"light", "expression", "pose"})
    reset_group(c, group, fitted);
  EXPECT_TRUE(c.is_identity());
  c.strength = 1; // not a group: the Generate panel's
  EXPECT_EQ(c, controls_for(fitted));
  EXPECT_NE(test::error_of([&] { reset_group(c, "hair", fitted); }).find("hair"),
            std::string::npos);
}

TEST(EditControls, JsonRoundTripsInsideTheEditDocument) {
  const face::DecaCode fitted = random_code(7);
  EditControls c = controls_for(fitted);
  c.light_edited = true;
  c.tint = -0.5;
  c.named["brows"] = -0.25;
  c.components[0] = 0.5;
  c.jaw_open_deg = 3;
  c.pose_delta_deg = {1, 2, 3};
  const EditSpec spec =
      to_spec(c, fitted, ExpressionBasis{50, {{"brows", std::vector<double>(50, 0.1)}}});
  const nlohmann::json doc = edit_document(c, spec);
  EXPECT_EQ(controls_from_json(doc.at("controls"), "doc"), c);
  EXPECT_EQ(to_json(edit_from_json(doc, "doc")), to_json(spec))
      << "infer --edit reads the same document";
  nlohmann::json bad = doc.at("controls");
  bad["light"]["temperature"] = 100;
  EXPECT_NE(test::error_of([&] { controls_from_json(bad, "preset.json"); }).find("preset.json"),
            std::string::npos);
  bad = doc.at("controls");
  bad["expression"]["components"]["x"] = 1;
  EXPECT_NE(test::error_of([&] { controls_from_json(bad, "p"); }).find("'x'"), std::string::npos);
}

TEST(EditControls, AnEnvironmentsLightKeepsEachPhotosExposure) {
  // A panorama's light at its own exposure, far brighter than either photo.
  const render::ShLight sky = render::directional_to_sh({60, 30, 40.0, {1.2, 1, 0.8}, 5});
  EditControls c;
  c.light_sh = sky;
  c.light_sh_keep_exposure = true;
  for (const int seed : {9, 10}) {
    face::DecaCode fitted = random_code(seed);
    fitted.light[0][0].abs_(); // a fitted light's DC is positive
    const EditSpec spec = to_spec(c, fitted, ExpressionBasis{});
    EXPECT_TRUE(spec.light.keep_exposure);
    const render::ShLight fitted_light = rendering::light_from_tensor(fitted.light);
    const render::ShLight edited = rendering::light_from_tensor(apply_spec(fitted, spec).light);
    EXPECT_NEAR(render::dc_luminance(edited), render::dc_luminance(fitted_light),
                1e-4 * std::abs(render::dc_luminance(fitted_light)))
        << "photo " << seed;
    EXPECT_NEAR(render::dominant_light(edited).azimuth_deg, 60, 1e-3) << "the panorama's light";
    // As given, without the flag.
    EditSpec absolute = spec;
    absolute.light.keep_exposure = false;
    EXPECT_EQ(rendering::light_from_tensor(apply_spec(fitted, absolute).light), sky);
  }
  // Presets and infer --edit keep the flag.
  face::DecaCode fitted = random_code(9);
  fitted.light[0][0].fill_(-1); // no exposure to keep: the light as it is
  EXPECT_EQ(
      rendering::light_from_tensor(apply_spec(fitted, to_spec(c, fitted, ExpressionBasis{})).light),
      sky);
  const EditSpec spec = to_spec(c, fitted, ExpressionBasis{});
  const nlohmann::json doc = edit_document(c, spec);
  EXPECT_TRUE(controls_from_json(doc.at("controls"), "doc").light_sh_keep_exposure);
  EXPECT_TRUE(edit_from_json(doc, "doc").light.keep_exposure);
}

TEST(EditControls, AHandWrittenSpecBecomesControlsThatMakeIt) {
  const face::DecaCode fitted = random_code(8);
  EditSpec spec;
  spec.expression = {{4, 1.25}};
  spec.jaw_deg = 7;
  spec.pose_delta_deg = {0, 10, 0};
  spec.light.azimuth_deg = -45;
  spec.strength = 0.5;
  const nlohmann::json doc = to_json(spec);
  const EditControls c = controls_from_document(doc, fitted, "hand.json");
  const EditSpec back = to_spec(c, fitted, ExpressionBasis{50, {}});
  ASSERT_EQ(back.expression.size(), 1u);
  EXPECT_EQ(back.expression[0], (std::pair<int, double>{4, 1.25}));
  EXPECT_EQ(back.jaw_deg, spec.jaw_deg);
  EXPECT_EQ(back.pose_delta_deg, spec.pose_delta_deg);
  EXPECT_EQ(*back.light.azimuth_deg, -45);
  EXPECT_EQ(back.strength, 0.5);
  nlohmann::json bad = doc;
  bad["strength"] = 3;
  EXPECT_NE(
      test::error_of([&] { controls_from_document(bad, fitted, "hand.json"); }).find("hand.json"),
      std::string::npos);
}

// The editor's "copy from photo": the other rig's light, expression or pose
// made into this photo's controls, so that the spec gives the other's values.
TEST(EditControls, CopyingAGroupFromAnotherPhotoGivesItsValues) {
  const face::DecaCode own = random_code(3), other = random_code(4);
  EditControls c = controls_for(own);
  copy_group(c, "light", own, other, "img2");
  ASSERT_TRUE(c.light_sh.has_value());
  EXPECT_EQ(*c.light_sh, rendering::light_from_tensor(other.light));
  copy_group(c, "expression", own, other, "img2");
  const face::DecaCode exp = apply_spec(own, to_spec(c, own, {}));
  EXPECT_TRUE(at::allclose(exp.exp, other.exp, 1e-5, 1e-6));
  copy_group(c, "pose", own, other, "img2");
  const face::DecaCode posed = apply_spec(own, to_spec(c, own, {}));
  const auto want = rendering::head_pose_deg(other), got = rendering::head_pose_deg(posed);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(got[i], want[i], 1e-3) << i;

  face::DecaCode fewer = other;
  fewer.exp = other.exp.narrow(1, 0, 10);
  const std::string e = test::error_of([&] { copy_group(c, "expression", own, fewer, "img2"); });
  EXPECT_NE(e.find("img2 has 10 expression coefficients, this photo 50"), std::string::npos) << e;
  EXPECT_NE(test::error_of([&] { copy_group(c, "hair", own, other, "img2"); }).find("hair"),
            std::string::npos);
}

// `infer --sh FILE` and `render --sh FILE`: 27 numbers from .npy or text.
TEST(ShFile, ReadsNpyAndTextAndNamesTheFileWhenTheCountIsWrong) {
  test::TempDir dir("sh_file");
  const at::Tensor values = at::arange(27, at::kDouble).view({9, 3}) / 10;
  formats::save_npy(dir / "light.npy", values.to(at::kFloat));
  const render::ShLight from_npy = read_sh_file(dir / "light.npy");
  for (size_t i = 0; i < 27; ++i)
    EXPECT_FLOAT_EQ(from_npy[i], float(i) / 10) << i;
  std::string text;
  for (int i = 0; i < 27; ++i)
    text += std::to_string(i / 10.0) + (i % 3 == 2 ? ",\n" : ", ");
  write_file_atomic(dir / "light.txt", text);
  EXPECT_EQ(read_sh_file(dir / "light.txt"), from_npy);

  write_file_atomic(dir / "short.txt", "1 2 3");
  std::string e = test::error_of([&] { read_sh_file(dir / "short.txt"); });
  EXPECT_NE(e.find("short.txt: an SH light has 27 numbers (9 x RGB), got 3"), std::string::npos)
      << e;
  write_file_atomic(dir / "word.txt", "1 2 bright");
  e = test::error_of([&] { read_sh_file(dir / "word.txt"); });
  EXPECT_NE(e.find("'bright' is not a number"), std::string::npos) << e;
  e = test::error_of([&] { read_sh_file(dir / "none.txt"); });
  EXPECT_NE(e.find("none.txt"), std::string::npos) << e;
}

TEST(CachePrune, RemovesTheOldestFilesUntilUnderTheLimitAndKeepsWhatItIsTold) {
  test::TempDir dir("cache_prune");
  const auto now = std::filesystem::file_time_type::clock::now();
  for (int i = 0; i < 5; ++i) {
    const auto file = dir / ("r" + std::to_string(i) + ".png");
    write_file_atomic(file, std::string(1000, 'x'));
    std::filesystem::last_write_time(file, now - std::chrono::hours(10 - i)); // r0 oldest
  }
  PruneResult r = prune_cache(dir.path(), 10000);
  EXPECT_EQ(r.removed, 0);
  EXPECT_EQ(r.bytes_before, 5000u);
  r = prune_cache(dir.path(), 2500, {dir / "r0.png"});
  EXPECT_EQ(r.removed, 3);
  EXPECT_EQ(r.bytes_after, 2000u);
  EXPECT_TRUE(std::filesystem::exists(dir / "r0.png")) << "kept as asked";
  EXPECT_FALSE(std::filesystem::exists(dir / "r1.png"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r3.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r4.png")) << "the newest stays";
  EXPECT_EQ(prune_cache(dir / "absent", 0).removed, 0);
}
