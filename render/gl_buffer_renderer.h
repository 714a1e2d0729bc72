#pragma once

#include "render/render_types.h"

#include <memory>

namespace drig::render {

// The physical buffers drawn by OpenGL 3.3 core: one set of shaders used by
// the headless renderer (CLI, datasets, tests) and by the Studio's preview
// widget. Every call needs the same OpenGL context current (the caller's:
// an EGL one from HeadlessGlContext or a QOpenGLWidget's). No GL types
// leak out, so Qt's and Mesa's GL headers never meet.
//
// Exactness: attributes are interpolated without perspective and the albedo
// is sampled by hand from a float texture (no fixed-point filtering), so
// values match the CPU reference to float rounding; coverage can differ on
// pixels whose centre lies on an edge (GL's fill rule vs pytorch3d's > 0).
class GlBufferRenderer {
public:
  GlBufferRenderer(); // compiles the shaders; throws Error with the GL log
  ~GlBufferRenderer();
  GlBufferRenderer(const GlBufferRenderer&) = delete;
  GlBufferRenderer& operator=(const GlBufferRenderer&) = delete;

  void set_topology(const MeshTopology& topology);
  void set_albedo(const AlbedoMap& albedo);
  void set_light(const ShLight& light);
  void set_pose(const MeshPose& pose);

  // Draws into the renderer's own float framebuffer of width x height.
  void draw(int width, int height);
  // Puts buffers rendered elsewhere (the CPU rasterizer, faster than a
  // software GL) where draw() would have left them, so present() shows them
  // with the same shaders.
  void upload(const Buffers& buffers);
  // Whether this context is a software rasterizer (llvmpipe, softpipe, ...).
  static bool software_renderer();

  // The last draw as CPU buffers.
  Buffers read_back() const;
  // The same into `into`, reusing its storage (the preview's per-frame path).
  void read_back(Buffers& into) const;
  Buffers render(const MeshPose& pose, int width, int height) {
    set_pose(pose);
    draw(width, height);
    return read_back();
  }

  // What the preview shows of the last draw: the buffers as the 8-bit views
  // the CLI writes (normals as (n+1)/2), or a grey shaded mesh.
  enum class View { Rendered, Normal, Albedo, Shaded, Alpha };
  // Draws that view into framebuffer `target_fbo` over the viewport (image
  // top at the top), e.g. a QOpenGLWidget's defaultFramebufferObject().
  void present(View view, unsigned target_fbo, int x, int y, int width, int height);

private:
  struct Gl;
  std::unique_ptr<Gl> gl_;
};

} // namespace drig::render
