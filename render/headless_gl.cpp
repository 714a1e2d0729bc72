#include "render/headless_gl.h"

#include "model/base/error.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/gl.h>

#include <cstring>

namespace drig {

struct HeadlessGlContext::State {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLContext context = EGL_NO_CONTEXT;
  EGLSurface surface = EGL_NO_SURFACE;
};

namespace {

std::string egl_error_name(EGLint code) {
  switch (code) {
  case EGL_NOT_INITIALIZED:
    return "EGL_NOT_INITIALIZED";
  case EGL_BAD_DISPLAY:
    return "EGL_BAD_DISPLAY";
  case EGL_BAD_CONFIG:
    return "EGL_BAD_CONFIG";
  case EGL_BAD_MATCH:
    return "EGL_BAD_MATCH";
  case EGL_BAD_ATTRIBUTE:
    return "EGL_BAD_ATTRIBUTE";
  case EGL_BAD_ALLOC:
    return "EGL_BAD_ALLOC";
  default:
    return fmt::format("EGL error 0x{:x}", code);
  }
}

std::string gl_string(GLenum name) {
  const auto* text = reinterpret_cast<const char*>(glGetString(name));
  return text ? text : "";
}

bool has_extension(const char* list, const char* name) {
  return list != nullptr && std::strstr(list, name) != nullptr;
}

// Tries the surfaceless platform first (no X, no GPU device needed), then the
// default display with a 1x1 pbuffer.
EGLDisplay open_display(std::string& platform) {
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (has_extension(client, "EGL_MESA_platform_surfaceless")) {
    auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
        eglGetProcAddress("eglGetPlatformDisplayEXT"));
    if (get_platform_display) {
      EGLDisplay display =
          get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
      if (display != EGL_NO_DISPLAY && eglInitialize(display, nullptr, nullptr)) {
        platform = "surfaceless";
        return display;
      }
    }
  }
  EGLDisplay display = eglGetDisplay(EGL_DEFAULT_DISPLAY);
  if (display != EGL_NO_DISPLAY && eglInitialize(display, nullptr, nullptr)) {
    platform = "default display";
    return display;
  }
  return EGL_NO_DISPLAY;
}

} // namespace

HeadlessGlContext::HeadlessGlContext() : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.display = open_display(info_.platform);
  DRIG_CHECK(s.display != EGL_NO_DISPLAY,
             "no EGL display for headless OpenGL ({}); install "
             "libegl-mesa0 and libgl1-mesa-dri",
             egl_error_name(eglGetError()));
  info_.egl_vendor = eglQueryString(s.display, EGL_VENDOR);
  info_.egl_version = eglQueryString(s.display, EGL_VERSION);
  DRIG_CHECK(eglBindAPI(EGL_OPENGL_API), "EGL cannot bind desktop OpenGL: {}",
             egl_error_name(eglGetError()));

  const bool surfaceless =
      has_extension(eglQueryString(s.display, EGL_EXTENSIONS), "EGL_KHR_surfaceless_context");
  const EGLint config_attributes[] = {EGL_SURFACE_TYPE,
                                      surfaceless ? 0 : EGL_PBUFFER_BIT,
                                      EGL_RENDERABLE_TYPE,
                                      EGL_OPENGL_BIT,
                                      EGL_RED_SIZE,
                                      8,
                                      EGL_GREEN_SIZE,
                                      8,
                                      EGL_BLUE_SIZE,
                                      8,
                                      EGL_NONE};
  EGLConfig config = nullptr;
  EGLint count = 0;
  DRIG_CHECK(eglChooseConfig(s.display, config_attributes, &config, 1, &count) && count > 0,
             "no EGL config for OpenGL: {}", egl_error_name(eglGetError()));
  const EGLint context_attributes[] = {EGL_CONTEXT_MAJOR_VERSION,
                                       3,
                                       EGL_CONTEXT_MINOR_VERSION,
                                       3,
                                       EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                       EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                       EGL_NONE};
  s.context = eglCreateContext(s.display, config, EGL_NO_CONTEXT, context_attributes);
  DRIG_CHECK(s.context != EGL_NO_CONTEXT, "cannot create an OpenGL 3.3 core context: {}",
             egl_error_name(eglGetError()));
  if (!surfaceless) {
    const EGLint pbuffer_attributes[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
    s.surface = eglCreatePbufferSurface(s.display, config, pbuffer_attributes);
    DRIG_CHECK(s.surface != EGL_NO_SURFACE, "cannot create an EGL pbuffer: {}",
               egl_error_name(eglGetError()));
  }
  make_current();
  info_.gl_vendor = gl_string(GL_VENDOR);
  info_.gl_renderer = gl_string(GL_RENDERER);
  info_.gl_version = gl_string(GL_VERSION);
  info_.glsl_version = gl_string(0x8B8C /* GL_SHADING_LANGUAGE_VERSION */);
  info_.ok = true;
}

HeadlessGlContext::~HeadlessGlContext() {
  State& s = *state_;
  if (s.display == EGL_NO_DISPLAY)
    return;
  eglMakeCurrent(s.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (s.surface != EGL_NO_SURFACE)
    eglDestroySurface(s.display, s.surface);
  if (s.context != EGL_NO_CONTEXT)
    eglDestroyContext(s.display, s.context);
  eglTerminate(s.display);
}

void HeadlessGlContext::make_current() {
  DRIG_CHECK(eglMakeCurrent(state_->display, state_->surface, state_->surface, state_->context),
             "eglMakeCurrent failed: {}", egl_error_name(eglGetError()));
}

GlInfo probe_headless_gl() {
  try {
    HeadlessGlContext context;
    return context.info();
  } catch (const std::exception& e) {
    GlInfo info;
    info.error = e.what();
    return info;
  }
}

} // namespace drig
