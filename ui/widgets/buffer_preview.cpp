#include "ui/widgets/buffer_preview.h"

#include "render/cpu_rasterizer.h"
#include "render/gl_buffer_renderer.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QPainter>
#include <QSurfaceFormat>

#include <algorithm>

namespace drig::ui {

BufferPreview::BufferPreview(QWidget* parent) : QOpenGLWidget(parent) {
  // The shaders are GLSL 3.30 core.
  QSurfaceFormat format = QSurfaceFormat::defaultFormat();
  format.setVersion(3, 3);
  format.setProfile(QSurfaceFormat::CoreProfile);
  setFormat(format);
  setMinimumSize(128, 128);
  setAccessibleName(tr("Physical buffer preview"));
}

bool BufferPreview::supported() {
  if (QGuiApplication::platformName() == "offscreen" ||
      QGuiApplication::platformName() == "minimal")
    return false;
  QSurfaceFormat format;
  format.setVersion(3, 3);
  format.setProfile(QSurfaceFormat::CoreProfile);
  QOpenGLContext context;
  context.setFormat(format);
  if (!context.create())
    return false;
  const QSurfaceFormat got = context.format();
  return got.majorVersion() * 10 + got.minorVersion() >= 33;
}

BufferPreview::~BufferPreview() {
  // GL objects must go while their context is current.
  if (renderer_) {
    makeCurrent();
    renderer_.reset();
    doneCurrent();
  }
}

void BufferPreview::setMesh(const render::MeshTopology& topology, const render::AlbedoMap& albedo) {
  topology_ = topology;
  albedo_ = albedo;
  mesh_dirty_ = true;
  pose_dirty_ = pose_.has_value();
  update();
}

void BufferPreview::setPose(const render::MeshPose& pose) {
  pose_ = pose;
  pose_dirty_ = true;
  update();
}

void BufferPreview::setLight(const render::ShLight& light) {
  light_ = light;
  light_dirty_ = true;
  pose_dirty_ = pose_.has_value(); // redraw the buffers
  update();
}

void BufferPreview::setView(View view) {
  view_ = view;
  update();
}

void BufferPreview::setRasterizer(Rasterizer choice) {
  choice_ = choice;
  if (!renderer_)
    return; // decided in initializeGL
  const bool cpu = choice == Rasterizer::Cpu ||
                   (choice == Rasterizer::Auto && render::GlBufferRenderer::software_renderer());
  if (cpu && !cpu_)
    cpu_ = std::make_unique<render::CpuRasterizer>();
  if (!cpu)
    cpu_.reset();
  pose_dirty_ = pose_.has_value();
  update();
}

void BufferPreview::setLandmarks(std::vector<float> landmarks) {
  landmarks_ = std::move(landmarks);
  update();
}

void BufferPreview::setRenderSize(int size) {
  size_ = std::clamp(size, 16, 4096);
  pose_dirty_ = pose_.has_value();
  update();
}

QRect BufferPreview::imageViewport() const {
  const qreal dpr = devicePixelRatioF();
  const int w = int(width() * dpr), h = int(height() * dpr);
  const int side = std::min(w, h);
  return QRect((w - side) / 2, (h - side) / 2, side, side);
}

void BufferPreview::initializeGL() {
  if (!context() || !context()->isValid()) {
    error_ = tr("this display has no OpenGL");
    return;
  }
  try {
    const QSurfaceFormat f = context()->format();
    if (f.majorVersion() * 10 + f.minorVersion() < 33 || f.profile() != QSurfaceFormat::CoreProfile)
      throw std::runtime_error(tr("OpenGL 3.3 core is not available (got %1.%2)")
                                   .arg(f.majorVersion())
                                   .arg(f.minorVersion())
                                   .toStdString());
    renderer_ = std::make_unique<render::GlBufferRenderer>();
    setRasterizer(choice_);
    mesh_dirty_ = topology_.has_value();
    pose_dirty_ = pose_.has_value();
    light_dirty_ = true;
  } catch (const std::exception& e) {
    error_ = QString::fromStdString(e.what());
    renderer_.reset();
  }
}

void BufferPreview::paintGL() {
  if (context() && context()->isValid()) {
    auto* f = context()->functions();
    f->glClearColor(0.12f, 0.12f, 0.12f, 1);
    f->glClear(GL_COLOR_BUFFER_BIT);
  } else if (error_.isEmpty()) {
    error_ = tr("this display has no OpenGL");
  }
  if (renderer_) {
    try {
      if (mesh_dirty_ && topology_ && albedo_) {
        renderer_->set_topology(*topology_);
        renderer_->set_albedo(*albedo_);
        mesh_dirty_ = false;
      }
      if (light_dirty_) {
        renderer_->set_light(light_);
        light_dirty_ = false;
      }
      if (pose_dirty_ && pose_ && !mesh_dirty_) {
        QElapsedTimer timer;
        timer.start();
        if (cpu_) {
          cpu_->render(*topology_, *pose_, *albedo_, light_, size_, size_, cpu_buffers_);
          renderer_->upload(cpu_buffers_);
        } else {
          renderer_->set_pose(*pose_);
          renderer_->draw(size_, size_);
        }
        last_ms_ = double(timer.nsecsElapsed()) / 1e6;
        pose_dirty_ = false;
        drawn_ = true;
      }
      if (drawn_) {
        const QRect r = imageViewport();
        renderer_->present(static_cast<render::GlBufferRenderer::View>(view_),
                           defaultFramebufferObject(), r.x(), r.y(), r.width(), r.height());
      }
    } catch (const std::exception& e) {
      error_ = QString::fromStdString(e.what());
    }
  }
  if (!error_.isEmpty() || !landmarks_.empty()) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    if (!error_.isEmpty()) {
      painter.setPen(palette().color(QPalette::BrightText));
      painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                       tr("The buffer preview is unavailable: %1").arg(error_));
    } else if (drawn_) {
      const qreal dpr = devicePixelRatioF();
      const QRect r = imageViewport();
      const qreal scale = r.width() / qreal(size_) / dpr;
      const QPointF origin(r.x() / dpr, r.y() / dpr);
      painter.setPen(Qt::NoPen);
      painter.setBrush(QColor(40, 220, 90));
      for (size_t i = 0; i + 1 < landmarks_.size(); i += 2)
        painter.drawEllipse(origin + QPointF(landmarks_[i], landmarks_[i + 1]) * scale, 2.0, 2.0);
    }
  }
}

} // namespace drig::ui
