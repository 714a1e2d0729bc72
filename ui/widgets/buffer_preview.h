#pragma once

#include "render/render_types.h"

#include <QOpenGLWidget>

#include <memory>
#include <optional>
#include <vector>

namespace drig::render {
class CpuRasterizer;
class GlBufferRenderer;
} // namespace drig::render

namespace drig::ui {

// The Studio's live buffer preview: the same GL renderer and shaders as the
// CLI (render/), drawn into this widget's context. Setting a pose or light
// only marks the widget dirty; the next paint re-renders, so dragging a
// slider never queues more than one frame.
class BufferPreview : public QOpenGLWidget {
  Q_OBJECT

public:
  enum class View { Rendered, Normal, Albedo, Shaded, Alpha };

  explicit BufferPreview(QWidget* parent = nullptr);
  ~BufferPreview() override;

  // Whether this display can host the widget: an OpenGL 3.3 core context can
  // be made. Qt's offscreen platform cannot (Qt 6.4 even crashes showing a
  // QOpenGLWidget there), so callers show the CPU-rendered images instead.
  static bool supported();

  void setMesh(const render::MeshTopology& topology, const render::AlbedoMap& albedo);
  void setPose(const render::MeshPose& pose);
  void setLight(const render::ShLight& light);
  void setView(View view);
  // (68,2) pixels of the render size; empty hides the overlay.
  void setLandmarks(std::vector<float> landmarks);
  void setRenderSize(int size); // the buffers' resolution (DiffusionRig: 256)

  View view() const { return view_; }
  // Why nothing is drawn (no OpenGL 3.3, a shader error), or empty.
  QString errorText() const { return error_; }
  bool hasFrame() const { return drawn_; }
  // Who rasterizes the buffers: Auto picks OpenGL on a GPU and the CPU
  // rasterizer where OpenGL is a software one, which it outruns; the display
  // uses the GL shaders either way.
  enum class Rasterizer { Auto, OpenGl, Cpu };
  void setRasterizer(Rasterizer choice);
  // "OpenGL" or "CPU": what Auto chose (known once the widget is shown).
  QString rasterizer() const { return cpu_ ? QStringLiteral("CPU") : QStringLiteral("OpenGL"); }
  // Milliseconds the last re-render of the buffers took.
  double lastRenderMs() const { return last_ms_; }
  // The rectangle (device pixels, GL origin bottom-left) the image occupies.
  QRect imageViewport() const;

protected:
  void initializeGL() override;
  void paintGL() override;

private:
  std::unique_ptr<render::GlBufferRenderer> renderer_;
  std::unique_ptr<render::CpuRasterizer> cpu_;
  render::Buffers cpu_buffers_;
  double last_ms_ = 0;
  Rasterizer choice_ = Rasterizer::Auto;
  std::optional<render::MeshTopology> topology_;
  std::optional<render::AlbedoMap> albedo_;
  std::optional<render::MeshPose> pose_;
  render::ShLight light_{};
  std::vector<float> landmarks_;
  View view_ = View::Rendered;
  int size_ = 256;
  bool mesh_dirty_ = false, pose_dirty_ = false, light_dirty_ = true, drawn_ = false;
  QString error_;
};

} // namespace drig::ui
