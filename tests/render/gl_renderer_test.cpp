// The OpenGL renderer against the CPU reference rasterizer on fixed meshes:
// coverage identical except <= 0.5% edge pixels, values within 1e-3.
#include "render/cpu_rasterizer.h"
#include "render/gl_buffer_renderer.h"
#include "render/headless_gl.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"

#include <gtest/gtest.h>

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include <cmath>
#include <iostream>
#include <memory>

using namespace drig::render;

namespace {

class GlRenderer : public ::testing::Test {
protected:
  void SetUp() override {
    const drig::GlInfo info = drig::probe_headless_gl();
    if (!info.ok)
      GTEST_SKIP() << "no headless OpenGL 3.3 context: " << info.error;
    context_ = std::make_unique<drig::HeadlessGlContext>();
    renderer_ = std::make_unique<GlBufferRenderer>();
  }
  void TearDown() override {
    renderer_.reset(); // needs the context
    context_.reset();
  }
  std::unique_ptr<drig::HeadlessGlContext> context_;
  std::unique_ptr<GlBufferRenderer> renderer_;
};

struct Diff {
  size_t covered = 0, coverage_mismatch = 0, face_mismatch = 0;
  float max_error = 0;
};

Diff diff(const Buffers& gl, const Buffers& cpu) {
  Diff d;
  const size_t n = cpu.alpha.size();
  for (size_t p = 0; p < n; ++p) {
    const bool a = gl.alpha[p] > 0, b = cpu.alpha[p] > 0;
    d.covered += b;
    if (a != b) {
      ++d.coverage_mismatch;
      continue;
    }
    if (gl.face_id[p] != cpu.face_id[p]) {
      ++d.face_mismatch; // a pixel centre on a shared edge: either triangle is right
      continue;
    }
    for (size_t c = 0; c < 3; ++c)
      for (const auto v : {&Buffers::rendered, &Buffers::normal, &Buffers::albedo})
        d.max_error = std::max(d.max_error, std::abs((gl.*v)[c * n + p] - (cpu.*v)[c * n + p]));
  }
  return d;
}

} // namespace

TEST_F(GlRenderer, EqualsTheCpuReferenceOnFixedMeshes) {
  const AlbedoMap albedo = synthetic_albedo(64);
  renderer_->set_albedo(albedo);
  const ShLight light = directional_to_sh({25, 30, 1.2, {1, 0.9, 0.8}, 0.2});
  renderer_->set_light(light);
  for (const float yaw : {0.0f, 35.0f, -80.0f})
    for (const int size : {64, 256, 173}) {
      SyntheticHead head = synthetic_head(24, 30, 0.8f, yaw);
      // Off the pixel grid: with the symmetric mesh's meridian or equator exactly
      // on a line of pixel centres, the strict > 0 rule sees neither front triangle.
      for (size_t v = 0; v < head.pose.positions.size(); v += 3) {
        head.pose.positions[v] += 0.0123f;
        head.pose.positions[v + 1] += 0.0047f;
      }
      renderer_->set_topology(head.topology);
      const Buffers gl = renderer_->render(head.pose, size, size);
      const Buffers cpu = render_cpu(head.topology, head.pose, albedo, light, size, size);
      const Diff d = diff(gl, cpu);
      std::cout << "yaw " << yaw << " size " << size << ": " << d.coverage_mismatch << " of "
                << d.covered << " coverage, " << d.face_mismatch << " face mismatches, max error "
                << d.max_error << "\n";
      ASSERT_GT(d.covered, size_t(size * size / 5));
      EXPECT_LE(double(d.coverage_mismatch), 0.005 * double(d.covered));
      EXPECT_LE(double(d.face_mismatch), 0.005 * double(d.covered));
      EXPECT_LT(d.max_error, 1e-3f);
    }
}

TEST_F(GlRenderer, BackgroundIsZeroAndFacesAreIdentified) {
  const SyntheticHead head = synthetic_head(12, 16, 0.5f);
  renderer_->set_topology(head.topology);
  renderer_->set_albedo(synthetic_albedo(32));
  renderer_->set_light(directional_to_sh({}));
  const Buffers b = renderer_->render(head.pose, 64, 48);
  ASSERT_EQ(b.width, 64);
  ASSERT_EQ(b.height, 48);
  const size_t n = size_t(64 * 48);
  // Corners are background in every buffer.
  for (const size_t p : {size_t(0), size_t(63), n - 1}) {
    EXPECT_EQ(b.alpha[p], 0.0f);
    EXPECT_EQ(b.face_id[p], -1);
    for (size_t c = 0; c < 3; ++c)
      EXPECT_EQ(b.rendered[c * n + p] + b.normal[c * n + p] + b.albedo[c * n + p], 0.0f);
  }
  // The centre sees a front triangle whose normal faces the camera (+z).
  const size_t centre = size_t(24 * 64 + 32);
  EXPECT_GE(b.face_id[centre], 0);
  EXPECT_GT(b.normal[2 * n + centre], 0.9f);
}

TEST_F(GlRenderer, RowZeroIsTheImageTop) {
  // A head shifted up (y down is negative) must cover the top rows only.
  SyntheticHead head = synthetic_head(12, 16, 0.3f);
  for (size_t v = 0; v < head.pose.positions.size(); v += 3)
    head.pose.positions[v + 1] -= 0.6f;
  renderer_->set_topology(head.topology);
  renderer_->set_albedo(synthetic_albedo(8));
  const Buffers b = renderer_->render(head.pose, 32, 32);
  float top = 0, bottom = 0;
  for (int x = 0; x < 32; ++x) {
    top += b.alpha[size_t(6 * 32 + x)];
    bottom += b.alpha[size_t(26 * 32 + x)];
  }
  EXPECT_GT(top, 0);
  EXPECT_EQ(bottom, 0);
}

TEST_F(GlRenderer, PresentShowsTheBuffersAsTheirViews) {
  const SyntheticHead head = synthetic_head(16, 20, 0.7f);
  const AlbedoMap albedo = synthetic_albedo(32);
  renderer_->set_topology(head.topology);
  renderer_->set_albedo(albedo);
  renderer_->set_light(directional_to_sh({0, 0, 1, {1, 1, 1}, 0.1}));
  const Buffers b = renderer_->render(head.pose, 64, 64);
  GLuint fbo = 0, colour = 0;
  glGenFramebuffers(1, &fbo);
  glGenRenderbuffers(1, &colour);
  glBindRenderbuffer(GL_RENDERBUFFER, colour);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, 64, 64);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, colour);
  ASSERT_EQ(glCheckFramebufferStatus(GL_FRAMEBUFFER), GLenum(GL_FRAMEBUFFER_COMPLETE));
  std::vector<unsigned char> pixels(64 * 64 * 4);
  const size_t n = 64 * 64;
  for (const auto view : {GlBufferRenderer::View::Albedo, GlBufferRenderer::View::Normal}) {
    renderer_->present(view, fbo, 0, 0, 64, 64);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo);
    glReadPixels(0, 0, 64, 64, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    int worst = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        // Screen row 0 is the bottom: the image's last row.
        const size_t p = size_t((63 - y) * 64 + x);
        for (size_t c = 0; c < 3; ++c) {
          const float v = view == GlBufferRenderer::View::Albedo ? b.albedo[c * n + p]
                                                                 : (b.normal[c * n + p] + 1) / 2;
          const int expected = int(std::lround(std::clamp(v, 0.0f, 1.0f) * 255));
          worst = std::max(worst, std::abs(int(pixels[size_t(y * 64 + x) * 4 + c]) - expected));
        }
      }
    EXPECT_LE(worst, 2) << "view " << int(view);
  }
  glDeleteFramebuffers(1, &fbo);
  glDeleteRenderbuffers(1, &colour);
}
