#pragma once

#include <memory>
#include <string>

namespace drig {

struct GlInfo {
  bool ok = false;
  std::string error; // why no context could be made (when !ok)
  std::string egl_vendor, egl_version;
  std::string platform; // "surfaceless" or "default display"
  std::string gl_vendor, gl_renderer, gl_version, glsl_version;
};

// An OpenGL 3.3+ core context without a window (EGL, surfaceless or pbuffer):
// what the CLI, dataset creation and tests render with. Mesa's llvmpipe
// provides it on machines without a GPU.
class HeadlessGlContext {
public:
  // Throws Error with the EGL error when no context can be made.
  HeadlessGlContext();
  ~HeadlessGlContext();
  HeadlessGlContext(const HeadlessGlContext&) = delete;
  HeadlessGlContext& operator=(const HeadlessGlContext&) = delete;

  void make_current();
  const GlInfo& info() const { return info_; }

private:
  struct State;
  std::unique_ptr<State> state_;
  GlInfo info_;
};

// Creates a context, reads its strings and releases it; never throws.
GlInfo probe_headless_gl();

} // namespace drig
