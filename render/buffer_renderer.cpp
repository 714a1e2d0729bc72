#include "render/buffer_renderer.h"

#include "model/base/error.h"
#include "render/cpu_rasterizer.h"
#include "render/gl_buffer_renderer.h"
#include "render/headless_gl.h"

namespace drig::render {
namespace {

class CpuRenderer final : public BufferRenderer {
public:
  void set_topology(const MeshTopology& topology) override {
    check_topology(topology);
    topology_ = topology;
  }
  void set_albedo(const AlbedoMap& albedo) override { albedo_ = albedo; }
  Buffers render(const MeshPose& pose, const ShLight& light, int width, int height) override {
    Buffers out;
    rasterizer_.render(topology_, pose, albedo_, light, width, height, out);
    return out;
  }
  std::string description() const override { return "CPU rasterizer (pytorch3d's rule)"; }

private:
  MeshTopology topology_;
  AlbedoMap albedo_;
  CpuRasterizer rasterizer_;
};

class HeadlessRenderer final : public BufferRenderer {
public:
  HeadlessRenderer() : renderer_() {}
  void set_topology(const MeshTopology& topology) override {
    context_.make_current();
    renderer_.set_topology(topology);
  }
  void set_albedo(const AlbedoMap& albedo) override {
    context_.make_current();
    renderer_.set_albedo(albedo);
  }
  Buffers render(const MeshPose& pose, const ShLight& light, int width, int height) override {
    context_.make_current();
    renderer_.set_light(light);
    return renderer_.render(pose, width, height);
  }
  std::string description() const override {
    return fmt::format("OpenGL {} ({}, {})", context_.info().gl_version,
                       context_.info().gl_renderer, context_.info().platform);
  }

private:
  // Declared first: the context must be current while the renderer is made
  // and destroyed.
  HeadlessGlContext context_;
  GlBufferRenderer renderer_;
};

} // namespace

RenderBackend parse_render_backend(const std::string& name) {
  if (name == "auto")
    return RenderBackend::Auto;
  if (name == "gl" || name == "opengl")
    return RenderBackend::OpenGl;
  if (name == "cpu")
    return RenderBackend::Cpu;
  throw Error(fmt::format("unknown renderer '{}': use auto, gl or cpu", name));
}

std::unique_ptr<BufferRenderer> make_buffer_renderer(RenderBackend backend,
                                                     std::string* fallback_reason) {
  if (backend == RenderBackend::Cpu)
    return std::make_unique<CpuRenderer>();
  try {
    auto gl = std::make_unique<HeadlessRenderer>();
    if (backend == RenderBackend::OpenGl || !GlBufferRenderer::software_renderer())
      return gl;
    if (fallback_reason)
      *fallback_reason = "OpenGL here is a software rasterizer (" + gl->description() +
                         "); the CPU rasterizer is faster";
  } catch (const Error& e) {
    if (backend == RenderBackend::OpenGl)
      throw;
    if (fallback_reason)
      *fallback_reason = e.what();
  }
  return std::make_unique<CpuRenderer>();
}

} // namespace drig::render
