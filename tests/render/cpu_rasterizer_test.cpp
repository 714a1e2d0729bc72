// The banded, multi-threaded CPU rasterizer is the reference rule exactly:
// every value bit-identical for any number of bands, with buffers reused
// across sizes and meshes.
#include "render/cpu_rasterizer.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace drig::render;

namespace {

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

TEST(CpuRasterizer, BandsGiveTheReferenceBitForBit) {
  const AlbedoMap albedo = synthetic_albedo(48);
  const ShLight light = directional_to_sh({-30, 15, 1.1, {1, 0.8, 0.9}, 0.15});
  Buffers reused; // deliberately carried across sizes and meshes
  for (const int threads : {1, 2, 3, 7})
    for (const auto& [yaw, size] : {std::pair{0.0f, 64}, {40.0f, 256}, {-75.0f, 97}, {10.0f, 5}}) {
      const SyntheticHead head = synthetic_head(20, 26, 0.85f, yaw);
      const Buffers expected = render_cpu(head.topology, head.pose, albedo, light, size, size);
      CpuRasterizer banded(threads);
      banded.render(head.topology, head.pose, albedo, light, size, size, reused);
      ASSERT_EQ(reused.width, size);
      EXPECT_EQ(reused.face_id, expected.face_id) << threads << " threads, size " << size;
      EXPECT_TRUE(bit_identical(reused.rendered, expected.rendered));
      EXPECT_TRUE(bit_identical(reused.normal, expected.normal));
      EXPECT_TRUE(bit_identical(reused.albedo, expected.albedo));
      EXPECT_TRUE(bit_identical(reused.alpha, expected.alpha));
    }
}

TEST(CpuRasterizer, PixelCentresOnTheBoxBorderAreOutside) {
  // A right triangle whose legs pass exactly through pixel centres: the
  // strict rule keeps those centres out.
  MeshTopology t;
  t.num_vertices = 3;
  t.uvs = {0, 0, 1, 0, 0, 1};
  t.faces = {0, 1, 2};
  t.uv_faces = {0, 1, 2};
  // 8x8: centres at -0.875, -0.625, ..., 0.875.
  const std::vector<float> positions = {-0.625f, -0.625f, 0,      0.875f, -0.625f,
                                        0,       -0.625f, 0.875f, 0};
  const Fragments f = rasterize_cpu(t, positions, 8, 8);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(f.face_id[size_t(1 * 8 + i)], -1) << "row on the bottom leg";
    EXPECT_EQ(f.face_id[size_t(i * 8 + 1)], -1) << "column on the left leg";
  }
  EXPECT_EQ(f.face_id[size_t(2 * 8 + 2)], 0);
}

TEST(CpuRasterizer, RejectsBadMeshes) {
  SyntheticHead head = synthetic_head(4, 5);
  head.topology.faces[4] = 10000;
  EXPECT_THROW(render_cpu(head.topology, head.pose, synthetic_albedo(4), ShLight{}, 8, 8),
               std::exception);
  SyntheticHead short_pose = synthetic_head(4, 5);
  short_pose.pose.positions.pop_back();
  EXPECT_THROW(
      render_cpu(short_pose.topology, short_pose.pose, synthetic_albedo(4), ShLight{}, 8, 8),
      std::exception);
  CpuRasterizer banded(2);
  Buffers out;
  EXPECT_THROW(banded.render(head.topology, head.pose, synthetic_albedo(4), ShLight{}, 8, 8, out),
               std::exception);
  EXPECT_THROW(banded.render(short_pose.topology, short_pose.pose, synthetic_albedo(4), ShLight{},
                             0, 8, out),
               std::exception);
}
