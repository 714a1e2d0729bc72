#include "ui/widgets/light_sphere.h"

#include "model/base/angles.h"
#include "render/light_rig.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <vector>

namespace drig::ui {

LightSphere::LightSphere(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("lightSphere"));
  setCursor(Qt::CrossCursor);
  setToolTip(tr("Drag to move the key light"));
  setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
  setFixedSize(sizeHint());
}

QRectF LightSphere::disc() const {
  const double d = std::min(width(), height()) - 8.0;
  return QRectF((width() - d) / 2, (height() - d) / 2, d, d);
}

QPointF LightSphere::pointFor(double azimuth_deg, double elevation_deg) const {
  // Orthographic view from the camera: x right, y up on the unit sphere.
  const double x = std::cos(radians(elevation_deg)) * std::sin(radians(azimuth_deg));
  const double y = std::sin(radians(elevation_deg));
  const QRectF d = disc();
  return {d.center().x() + x * d.width() / 2, d.center().y() - y * d.height() / 2};
}

void LightSphere::setDirection(double azimuth_deg, double elevation_deg) {
  azimuth_ = azimuth_deg;
  elevation_ = elevation_deg;
  update();
}

void LightSphere::setShading(const std::optional<std::array<float, 27>>& sh) {
  if (sh == sh_)
    return;
  sh_ = sh;
  shaded_ = QImage();
  if (sh_) {
    // Each pixel's normal on the unit sphere seen from the camera (x right,
    // y up, z towards the viewer: FLAME's frame), shaded as DECA shades.
    const int n = int(disc().width());
    std::vector<std::array<float, 3>> rgb(size_t(n) * size_t(n));
    float peak = 1e-6f;
    for (int row = 0; row < n; ++row)
      for (int col = 0; col < n; ++col) {
        const float x = (col + 0.5f) / n * 2 - 1, y = 1 - (row + 0.5f) / n * 2;
        const float zz = 1 - x * x - y * y;
        if (zz < 0)
          continue;
        auto& v = rgb[size_t(row) * size_t(n) + size_t(col)];
        v = render::sh_shade(*sh_, x, y, std::sqrt(zz));
        for (float& c : v) {
          c = std::max(c, 0.0f);
          peak = std::max(peak, c);
        }
      }
    shaded_ = QImage(n, n, QImage::Format_RGB32);
    for (int row = 0; row < n; ++row)
      for (int col = 0; col < n; ++col) {
        const auto& v = rgb[size_t(row) * size_t(n) + size_t(col)];
        const auto tone = [peak](float c) { return int(255 * std::pow(c / peak, 1 / 2.2f)); };
        shaded_.setPixel(col, row, qRgb(tone(v[0]), tone(v[1]), tone(v[2])));
      }
    setToolTip(tr("The shading of this light (from a panorama, a background or typed numbers); "
                  "drag to use a single key light instead"));
  } else {
    setToolTip(tr("Drag to move the key light"));
  }
  update();
}

void LightSphere::pick(const QPointF& pos) {
  const QRectF d = disc();
  double x = (pos.x() - d.center().x()) / (d.width() / 2);
  double y = -(pos.y() - d.center().y()) / (d.height() / 2);
  const double r = std::hypot(x, y);
  if (r > 1) { // outside: the rim, light from the side
    x /= r;
    y /= r;
  }
  const double z = std::sqrt(std::max(0.0, 1 - x * x - y * y));
  azimuth_ = degrees(std::atan2(x, z));
  elevation_ = degrees(std::asin(std::clamp(y, -1.0, 1.0)));
  update();
  Q_EMIT directionChanged(azimuth_, elevation_);
}

void LightSphere::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton)
    pick(event->position());
}

void LightSphere::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton)
    pick(event->position());
}

void LightSphere::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF d = disc();
  const bool behind = std::abs(azimuth_) > 90;
  // Shade the sphere by its light: highlight towards the light's dot.
  const QPointF light = pointFor(azimuth_, elevation_);
  QRadialGradient shade(light, d.width() * 0.95, light);
  const QColor lit = isEnabled() ? QColor(0xf2, 0xe6, 0xd8) : QColor(0xb0, 0xb0, 0xb0);
  shade.setColorAt(0, behind ? lit.darker(180) : lit);
  shade.setColorAt(1, QColor(0x30, 0x2c, 0x2a));
  p.setPen(QPen(palette().color(QPalette::Mid), 1));
  if (!shaded_.isNull()) {
    QPainterPath round;
    round.addEllipse(d);
    p.save();
    p.setClipPath(round);
    p.drawImage(d, shaded_);
    p.restore();
    p.setBrush(Qt::NoBrush);
  } else {
    p.setBrush(shade);
  }
  p.drawEllipse(d);
  // Equator and meridian as orientation aids.
  p.setPen(QPen(QColor(255, 255, 255, 50), 1, Qt::DashLine));
  p.setBrush(Qt::NoBrush);
  p.drawLine(QPointF(d.left(), d.center().y()), QPointF(d.right(), d.center().y()));
  p.drawLine(QPointF(d.center().x(), d.top()), QPointF(d.center().x(), d.bottom()));
  // The light: filled in front, hollow behind the head.
  p.setPen(QPen(QColor(0x20, 0x20, 0x20), 1.5));
  p.setBrush(behind ? QBrush(Qt::NoBrush) : QBrush(QColor(0xff, 0xd5, 0x4a)));
  p.drawEllipse(light, 6, 6);
}

} // namespace drig::ui
