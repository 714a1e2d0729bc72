#include "render/headless_gl.h"

#include <gtest/gtest.h>

#include <cstdio>

TEST(HeadlessGl, MakesACoreContextWithoutADisplay) {
  const drig::GlInfo info = drig::probe_headless_gl();
  ASSERT_TRUE(info.ok) << info.error;
  EXPECT_FALSE(info.gl_renderer.empty());
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(info.gl_version.c_str(), "%d.%d", &major, &minor), 2) << info.gl_version;
  EXPECT_GE(major * 10 + minor, 33) << "the renderer needs OpenGL 3.3 core: " << info.gl_version;
  EXPECT_FALSE(info.glsl_version.empty());
}

TEST(HeadlessGl, ContextsCanBeMadeAgain) {
  // The CLI, tests and dataset creation open and close contexts repeatedly.
  for (int i = 0; i < 3; ++i) {
    drig::HeadlessGlContext context;
    context.make_current();
    EXPECT_TRUE(context.info().ok);
  }
}
