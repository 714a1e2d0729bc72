// The CPU rasterizer's buffers and a grey shaded view of a FLAME-sized head
// against checked-in PNGs (Krita-style fuzzy goldens): a change to the
// rasterization rule, the UV lookup, the SH shading or the 8-bit views shows
// as a failing image with its diff beside the build's test output. After an
// intended change, DRIG_UPDATE_GOLDENS=1 rewrites them; review the PNGs.
#include "render/cpu_rasterizer.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"
#include "tests/support/image_compare.h"
#include "tests/support/test_paths.h"

#include <opencv2/core.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

using namespace drig::render;
namespace fs = std::filesystem;

namespace {

constexpr int kSize = 128;
// 8-bit rounding leaves goldens of an unchanged renderer > 50 dB apart
// across compilers (FMA contraction moves a value by one step at most); a
// moved edge, a wrong UV or a changed light costs far more (the self-check
// below measures it).
constexpr double kMinPsnrDb = 40;

fs::path golden(const std::string& name) {
  return drig::test::source_dir() / "tests/render/goldens" / (name + ".png");
}

// (3,H,W) floats in [lo,hi] -> an 8-bit BGR image, as the CLI writes buffers.
cv::Mat to_image(const std::vector<float>& chw, int w, int h, float lo = 0, float hi = 1) {
  cv::Mat image(h, w, CV_8UC3);
  const size_t plane = size_t(w) * size_t(h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const float v =
            (chw[size_t(c) * plane + size_t(y) * size_t(w) + size_t(x)] - lo) / (hi - lo);
        image.at<cv::Vec3b>(y, x)[2 - c] = uchar(std::clamp(v * 255.0f + 0.5f, 0.0f, 255.0f));
      }
  return image;
}

cv::Mat to_mask(const std::vector<float>& hw, int w, int h) {
  cv::Mat image(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      image.at<uchar>(y, x) =
          uchar(std::clamp(hw[size_t(y) * size_t(w) + size_t(x)] * 255.0f + 0.5f, 0.0f, 255.0f));
  return image;
}

// A warm key light from the upper left with some ambient.
ShLight key_light(double azimuth_deg) {
  DirectionalLight light;
  light.azimuth_deg = azimuth_deg;
  light.elevation_deg = 20;
  light.colour = {1.0, 0.9, 0.8};
  light.ambient = 0.2;
  return directional_to_sh(light);
}

struct Scene {
  SyntheticHead head = synthetic_head(70, 72, 0.8f, 25); // ~5000 vertices, FLAME's size
  AlbedoMap albedo = synthetic_albedo(64);
  ShLight light = key_light(-35);
};

Buffers render(const Scene& s, const AlbedoMap& albedo) {
  return render_cpu(s.head.topology, s.head.pose, albedo, s.light, kSize, kSize);
}

AlbedoMap grey_albedo(int size) {
  AlbedoMap grey = synthetic_albedo(size);
  std::fill(grey.chw.begin(), grey.chw.end(), 0.7f);
  return grey;
}

} // namespace

TEST(RenderGoldens, CpuBuffersAndShadedViewMatchTheirGoldens) {
  const Scene scene;
  const Buffers b = render(scene, scene.albedo);
  EXPECT_TRUE(drig::test::matches_golden(to_image(b.rendered, kSize, kSize), golden("cpu_rendered"),
                                         kMinPsnrDb));
  EXPECT_TRUE(drig::test::matches_golden(to_image(b.normal, kSize, kSize, -1, 1),
                                         golden("cpu_normal"), kMinPsnrDb));
  EXPECT_TRUE(drig::test::matches_golden(to_image(b.albedo, kSize, kSize), golden("cpu_albedo"),
                                         kMinPsnrDb));
  EXPECT_TRUE(
      drig::test::matches_golden(to_mask(b.alpha, kSize, kSize), golden("cpu_alpha"), kMinPsnrDb));
  const Buffers shaded = render(scene, grey_albedo(16));
  EXPECT_TRUE(drig::test::matches_golden(to_image(shaded.rendered, kSize, kSize),
                                         golden("cpu_shaded"), kMinPsnrDb));
}

TEST(RenderGoldens, TheBarCatchesASmallChange) {
  // The goldens would be no proof if the bar let a real change through: a
  // light turned by 10 degrees, or the head by 2, must fail it.
  if (drig::test::update_goldens())
    GTEST_SKIP() << "DRIG_UPDATE_GOLDENS is set";
  Scene turned_light;
  turned_light.light = key_light(-25);
  EXPECT_FALSE(drig::test::matches_golden(
      to_image(render(turned_light, turned_light.albedo).rendered, kSize, kSize),
      golden("cpu_rendered"), kMinPsnrDb));
  Scene turned_head;
  turned_head.head = synthetic_head(70, 72, 0.8f, 27);
  EXPECT_FALSE(drig::test::matches_golden(
      to_image(render(turned_head, turned_head.albedo).normal, kSize, kSize, -1, 1),
      golden("cpu_normal"), kMinPsnrDb));
}
