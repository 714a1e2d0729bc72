#pragma once

#include "render/render_types.h"

#include <memory>
#include <string>

namespace drig::render {

// The renderer the CLI and dataset creation use: OpenGL through a headless
// EGL context on a GPU; the banded CPU rasterizer (same rule and arithmetic)
// where OpenGL is only a software rasterizer, which it outruns several
// times (bench_render), or where there is no OpenGL at all. Use it from the
// thread that made it.
class BufferRenderer {
public:
  virtual ~BufferRenderer() = default;
  virtual void set_topology(const MeshTopology& topology) = 0;
  virtual void set_albedo(const AlbedoMap& albedo) = 0;
  virtual Buffers render(const MeshPose& pose, const ShLight& light, int width, int height) = 0;
  // "OpenGL (llvmpipe ...)" or "CPU reference rasterizer": for logs and --help.
  virtual std::string description() const = 0;
};

enum class RenderBackend { Auto, OpenGl, Cpu };

// "auto", "gl", "cpu"; throws Error for anything else.
RenderBackend parse_render_backend(const std::string& name);

// Auto: OpenGL on a hardware GL, else the CPU (with `fallback_reason` set to
// why). OpenGl insists (Error with the reason when there is none); Cpu never
// touches OpenGL.
std::unique_ptr<BufferRenderer> make_buffer_renderer(RenderBackend backend,
                                                     std::string* fallback_reason = nullptr);

} // namespace drig::render
