#include "render/gl_buffer_renderer.h"

#include "model/base/error.h"
#include "model/base/sh_constants.h"
#include "render/cpu_rasterizer.h"
#include "render/gl_shaders.h"

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace drig::render {
namespace {

constexpr int kTargets = 3; // (normal, alpha), (albedo, face id), (rendered, 0)

GLuint compile(GLenum kind, const char* source, const char* name) {
  const GLuint shader = glCreateShader(kind);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = 0;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[4096] = {};
    glGetShaderInfoLog(shader, sizeof(log), nullptr, log);
    glDeleteShader(shader);
    throw Error(fmt::format("OpenGL cannot compile the {} shader: {}", name, log));
  }
  return shader;
}

GLuint link(const char* vertex, const char* fragment, const char* name) {
  const GLuint vs = compile(GL_VERTEX_SHADER, vertex, name);
  const GLuint fs = compile(GL_FRAGMENT_SHADER, fragment, name);
  const GLuint program = glCreateProgram();
  glAttachShader(program, vs);
  glAttachShader(program, fs);
  glLinkProgram(program);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[4096] = {};
    glGetProgramInfoLog(program, sizeof(log), nullptr, log);
    glDeleteProgram(program);
    throw Error(fmt::format("OpenGL cannot link the {} program: {}", name, log));
  }
  return program;
}

void check_gl(const char* what) {
  const GLenum e = glGetError();
  DRIG_CHECK(e == GL_NO_ERROR, "OpenGL error 0x{:x} while {}", e, what);
}

} // namespace

struct GlBufferRenderer::Gl {
  GLuint buffer_program = 0, present_program = 0;
  GLuint vao = 0, empty_vao = 0;
  GLuint corner_buffer = 0; // vertex buffer and texture buffer at once
  GLuint corner_texture = 0;
  GLuint albedo_texture = 0;
  GLuint fbo = 0, depth = 0;
  GLuint targets[kTargets] = {};
  int width = 0, height = 0;
  int num_vertices = 0;
  std::vector<int32_t> corner_vertex;      // corner 3f+k -> mesh vertex
  std::vector<float> corners;              // 8 floats per corner: x y z nx | ny nz gx gy
  mutable std::vector<float> read_scratch; // kept: fresh pages each frame cost more than the copy
  bool has_albedo = false, has_pose = false, drawn = false;

  void resize(int w, int h) {
    if (w == width && h == height && fbo != 0)
      return;
    GLint previous_fbo = 0;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previous_fbo);
    if (fbo == 0) {
      glGenFramebuffers(1, &fbo);
      glGenTextures(kTargets, targets);
      glGenRenderbuffers(1, &depth);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    for (int i = 0; i < kTargets; ++i) {
      glBindTexture(GL_TEXTURE_2D, targets[i]);
      glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, w, h, 0, GL_RGBA, GL_FLOAT, nullptr);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glFramebufferTexture2D(GL_FRAMEBUFFER, GLenum(GL_COLOR_ATTACHMENT0 + i), GL_TEXTURE_2D,
                             targets[i], 0);
    }
    glBindRenderbuffer(GL_RENDERBUFFER, depth);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT32F, w, h);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, depth);
    const GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous_fbo));
    DRIG_CHECK(status == GL_FRAMEBUFFER_COMPLETE,
               "OpenGL cannot make a {}x{} float framebuffer (status 0x{:x})", w, h, status);
    width = w;
    height = h;
  }
};

GlBufferRenderer::GlBufferRenderer() : gl_(std::make_unique<Gl>()) {
  Gl& g = *gl_;
  g.buffer_program = link(shaders::kBufferVertex, shaders::kBufferFragment, "buffer");
  g.present_program = link(shaders::kPresentVertex, shaders::kPresentFragment, "preview");
  glGenVertexArrays(1, &g.vao);
  glGenVertexArrays(1, &g.empty_vao);
  glGenBuffers(1, &g.corner_buffer);
  glGenTextures(1, &g.corner_texture);
  glGenTextures(1, &g.albedo_texture);
  glUseProgram(g.buffer_program);
  float constants[9];
  for (size_t k = 0; k < 9; ++k)
    constants[k] = float(sh_constants()[k]);
  glUniform1fv(glGetUniformLocation(g.buffer_program, "u_sh"), 9, constants);
  glUniform1i(glGetUniformLocation(g.buffer_program, "u_albedo"), 0);
  glUniform1i(glGetUniformLocation(g.buffer_program, "u_corners"), 1);
  set_light(ShLight{});
  glUseProgram(g.present_program);
  glUniform1i(glGetUniformLocation(g.present_program, "u_normal"), 0);
  glUniform1i(glGetUniformLocation(g.present_program, "u_albedo"), 1);
  glUniform1i(glGetUniformLocation(g.present_program, "u_rendered"), 2);
  glUseProgram(0);
  check_gl("setting up the renderer");
}

GlBufferRenderer::~GlBufferRenderer() {
  Gl& g = *gl_;
  if (g.fbo) {
    glDeleteFramebuffers(1, &g.fbo);
    glDeleteTextures(kTargets, g.targets);
    glDeleteRenderbuffers(1, &g.depth);
  }
  glDeleteTextures(1, &g.albedo_texture);
  glDeleteTextures(1, &g.corner_texture);
  glDeleteBuffers(1, &g.corner_buffer);
  glDeleteVertexArrays(1, &g.vao);
  glDeleteVertexArrays(1, &g.empty_vao);
  glDeleteProgram(g.buffer_program);
  glDeleteProgram(g.present_program);
}

void GlBufferRenderer::set_topology(const MeshTopology& t) {
  Gl& g = *gl_;
  // One GL vertex per triangle corner: the fragment shader reads its
  // triangle's three corners by gl_PrimitiveID from the same buffer.
  check_topology(t);
  g.corner_vertex.resize(t.faces.size());
  g.corners.assign(t.faces.size() * 8, 0.0f);
  for (size_t i = 0; i < t.faces.size(); ++i) {
    const int32_t v = t.faces[i], uv = t.uv_faces[i];
    g.corner_vertex[i] = v;
    uv_to_grid(t.uvs[size_t(uv) * 2], t.uvs[size_t(uv) * 2 + 1], g.corners[i * 8 + 6],
               g.corners[i * 8 + 7]);
  }
  g.num_vertices = t.num_vertices;
  glBindVertexArray(g.vao);
  glBindBuffer(GL_ARRAY_BUFFER, g.corner_buffer);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(g.corners.size() * sizeof(float)), nullptr,
               GL_DYNAMIC_DRAW);
  glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 8 * sizeof(float), nullptr);
  glEnableVertexAttribArray(0);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glBindTexture(GL_TEXTURE_BUFFER, g.corner_texture);
  glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32F, g.corner_buffer);
  glBindTexture(GL_TEXTURE_BUFFER, 0);
  g.has_pose = false;
  check_gl("uploading the mesh topology");
}

void GlBufferRenderer::set_albedo(const AlbedoMap& albedo) {
  Gl& g = *gl_;
  const size_t s = size_t(albedo.size);
  DRIG_CHECK(albedo.size > 0 && albedo.chw.size() == 3 * s * s,
             "render: the albedo map must be 3x{0}x{0}", albedo.size);
  std::vector<float> rgb(3 * s * s);
  for (size_t i = 0; i < s * s; ++i)
    for (size_t c = 0; c < 3; ++c)
      rgb[i * 3 + c] = albedo.chw[c * s * s + i];
  glBindTexture(GL_TEXTURE_2D, g.albedo_texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB32F, albedo.size, albedo.size, 0, GL_RGB, GL_FLOAT,
               rgb.data());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  g.has_albedo = true;
  check_gl("uploading the albedo map");
}

void GlBufferRenderer::set_light(const ShLight& light) {
  glUseProgram(gl_->buffer_program);
  glUniform3fv(glGetUniformLocation(gl_->buffer_program, "u_light"), 9, light.data());
  glUseProgram(0);
}

void GlBufferRenderer::set_pose(const MeshPose& pose) {
  Gl& g = *gl_;
  DRIG_CHECK(!g.corner_vertex.empty(), "render: set_topology must come before set_pose");
  GLint max_texels = 0;
  glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &max_texels);
  DRIG_CHECK(g.corner_vertex.size() * 2 <= size_t(max_texels),
             "render: {} triangles exceed this OpenGL's texture buffer size",
             g.corner_vertex.size() / 3);
  DRIG_CHECK(pose.positions.size() == size_t(g.num_vertices) * 3 &&
                 pose.normals.size() == pose.positions.size(),
             "render: {} positions and {} normals for a mesh of {} vertices",
             pose.positions.size() / 3, pose.normals.size() / 3, g.num_vertices);
  float zmin = INFINITY, zmax = -INFINITY;
  for (size_t v = 0; v < size_t(g.num_vertices); ++v) {
    zmin = std::min(zmin, pose.positions[v * 3 + 2]);
    zmax = std::max(zmax, pose.positions[v * 3 + 2]);
  }
  DRIG_CHECK(std::isfinite(zmin) && std::isfinite(zmax), "render: the mesh has non-finite depths");
  for (size_t c = 0; c < g.corner_vertex.size(); ++c) {
    const size_t v = size_t(g.corner_vertex[c]);
    std::copy_n(&pose.positions[v * 3], 3, &g.corners[c * 8]);
    std::copy_n(&pose.normals[v * 3], 3, &g.corners[c * 8 + 3]);
  }
  glBindBuffer(GL_ARRAY_BUFFER, g.corner_buffer);
  glBufferSubData(GL_ARRAY_BUFFER, 0, GLsizeiptr(g.corners.size() * sizeof(float)),
                  g.corners.data());
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  // A linear depth map into the clip range; the order (smaller z = nearer) is
  // what matters.
  const float mid = 0.5f * (zmin + zmax), half = 0.5f * (zmax - zmin);
  glUseProgram(g.buffer_program);
  glUniform2f(glGetUniformLocation(g.buffer_program, "u_depth"), mid,
              0.99f / std::max(half, 1e-6f));
  glUseProgram(0);
  g.has_pose = true;
  check_gl("uploading the mesh pose");
}

void GlBufferRenderer::draw(int width, int height) {
  Gl& g = *gl_;
  DRIG_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384,
             "render: invalid size {}x{}", width, height);
  DRIG_CHECK(g.has_pose && g.has_albedo,
             "render: topology, albedo and pose must be set before drawing");
  GLint previous_fbo = 0, viewport[4] = {};
  glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &previous_fbo);
  glGetIntegerv(GL_VIEWPORT, viewport);
  g.resize(width, height);
  glBindFramebuffer(GL_FRAMEBUFFER, g.fbo);
  const GLenum attachments[kTargets] = {GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1,
                                        GL_COLOR_ATTACHMENT2};
  glDrawBuffers(kTargets, attachments);
  glViewport(0, 0, width, height);
  glDisable(GL_BLEND);
  glDisable(GL_CULL_FACE);
  glDisable(GL_MULTISAMPLE);
  glEnable(GL_DEPTH_TEST);
  glDepthFunc(GL_LESS);
  glDepthMask(GL_TRUE);
  const float zero[4] = {0, 0, 0, 0}, no_face[4] = {0, 0, 0, -1};
  glClearBufferfv(GL_COLOR, 0, zero);
  glClearBufferfv(GL_COLOR, 1, no_face);
  glClearBufferfv(GL_COLOR, 2, zero);
  const float far_depth = 1.0f;
  glClearBufferfv(GL_DEPTH, 0, &far_depth);
  glUseProgram(g.buffer_program);
  glUniform2f(glGetUniformLocation(g.buffer_program, "u_size"), float(width), float(height));
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, g.albedo_texture);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_BUFFER, g.corner_texture);
  glBindVertexArray(g.vao);
  glDrawArrays(GL_TRIANGLES, 0, GLsizei(g.corner_vertex.size()));
  glBindVertexArray(0);
  glBindTexture(GL_TEXTURE_BUFFER, 0);
  glActiveTexture(GL_TEXTURE0);
  glUseProgram(0);
  glDisable(GL_DEPTH_TEST);
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(previous_fbo));
  glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  g.drawn = true;
  check_gl("drawing the physical buffers");
}

Buffers GlBufferRenderer::read_back() const {
  Buffers b;
  read_back(b);
  return b;
}

void GlBufferRenderer::read_back(Buffers& b) const {
  const Gl& g = *gl_;
  DRIG_CHECK(g.drawn, "render: nothing drawn yet");
  b.width = g.width;
  b.height = g.height;
  const size_t n = size_t(g.width) * size_t(g.height);
  GLint previous_fbo = 0;
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previous_fbo);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, g.fbo);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  std::vector<float>& rgba = g.read_scratch;
  rgba.resize(4 * n);
  std::vector<float>* outputs[3] = {&b.normal, &b.albedo, &b.rendered};
  b.alpha.resize(n);
  b.face_id.resize(n);
  for (int i = 0; i < 3; ++i) {
    glReadBuffer(GLenum(GL_COLOR_ATTACHMENT0 + i));
    glReadPixels(0, 0, g.width, g.height, GL_RGBA, GL_FLOAT, rgba.data());
    std::vector<float>& out = *outputs[i];
    out.resize(3 * n);
    float* planes[3] = {out.data(), out.data() + n, out.data() + 2 * n};
    for (size_t p = 0; p < n; ++p) {
      planes[0][p] = rgba[p * 4];
      planes[1][p] = rgba[p * 4 + 1];
      planes[2][p] = rgba[p * 4 + 2];
    }
    if (i == 0)
      for (size_t p = 0; p < n; ++p)
        b.alpha[p] = rgba[p * 4 + 3];
    else if (i == 1)
      for (size_t p = 0; p < n; ++p)
        b.face_id[p] = int32_t(rgba[p * 4 + 3]);
  }
  glBindFramebuffer(GL_READ_FRAMEBUFFER, GLuint(previous_fbo));
  check_gl("reading the physical buffers back");
}

void GlBufferRenderer::upload(const Buffers& b) {
  Gl& g = *gl_;
  const size_t n = size_t(b.width) * size_t(b.height);
  DRIG_CHECK(b.width > 0 && b.height > 0 && b.normal.size() == 3 * n && b.albedo.size() == 3 * n &&
                 b.rendered.size() == 3 * n && b.alpha.size() == n && b.face_id.size() == n,
             "render: incomplete buffers to show");
  g.resize(b.width, b.height);
  std::vector<float>& rgba = g.read_scratch;
  rgba.resize(4 * n);
  const std::vector<float>* planes[3] = {&b.normal, &b.albedo, &b.rendered};
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  for (int i = 0; i < kTargets; ++i) {
    const std::vector<float>& src = *planes[i];
    for (size_t p = 0; p < n; ++p) {
      rgba[p * 4] = src[p];
      rgba[p * 4 + 1] = src[n + p];
      rgba[p * 4 + 2] = src[2 * n + p];
      rgba[p * 4 + 3] = i == 0 ? b.alpha[p] : i == 1 ? float(b.face_id[p]) : 0.0f;
    }
    glBindTexture(GL_TEXTURE_2D, g.targets[i]);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, b.width, b.height, GL_RGBA, GL_FLOAT, rgba.data());
  }
  glBindTexture(GL_TEXTURE_2D, 0);
  g.drawn = true;
  check_gl("uploading buffers to show");
}

bool GlBufferRenderer::software_renderer() {
  const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const std::string renderer = name ? name : "";
  for (const char* software : {"llvmpipe", "softpipe", "SWR", "Software Rasterizer"})
    if (renderer.find(software) != std::string::npos)
      return true;
  return false;
}

void GlBufferRenderer::present(View view, unsigned target_fbo, int x, int y, int width,
                               int height) {
  Gl& g = *gl_;
  glBindFramebuffer(GL_FRAMEBUFFER, target_fbo);
  glViewport(x, y, width, height);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_BLEND);
  glUseProgram(g.present_program);
  glUniform1i(glGetUniformLocation(g.present_program, "u_view"), int(view));
  // Before the first draw there is nothing to show but the background.
  for (int i = 0; i < 3; ++i) {
    glActiveTexture(GLenum(GL_TEXTURE0 + i));
    glBindTexture(GL_TEXTURE_2D, g.drawn ? g.targets[i] : 0);
  }
  glBindVertexArray(g.empty_vao);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(0);
  glUseProgram(0);
  glActiveTexture(GL_TEXTURE0);
  check_gl("showing the preview");
}

} // namespace drig::render
