#pragma once

#include "render/render_types.h"

#include <memory>
#include <string>

namespace drig::render {

// The renderer the CLI and dataset creation use: OpenGL through a headless
// EGL context when the machine has one, else the CPU reference rasterizer
// (same rule, slower). Single-threaded: use it from the thread that made it.
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

// Auto falls back to the CPU with `fallback_reason` set when no OpenGL 3.3
// context can be made; OpenGl throws Error with the reason instead.
std::unique_ptr<BufferRenderer> make_buffer_renderer(RenderBackend backend,
                                                     std::string* fallback_reason = nullptr);

} // namespace drig::render
