#include "ui/light_sphere.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace drig::ui {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180;
} // namespace

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
  const double x = std::cos(elevation_deg * kDeg) * std::sin(azimuth_deg * kDeg);
  const double y = std::sin(elevation_deg * kDeg);
  const QRectF d = disc();
  return {d.center().x() + x * d.width() / 2, d.center().y() - y * d.height() / 2};
}

void LightSphere::setDirection(double azimuth_deg, double elevation_deg) {
  azimuth_ = azimuth_deg;
  elevation_ = elevation_deg;
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
  azimuth_ = std::atan2(x, z) / kDeg;
  elevation_ = std::asin(std::clamp(y, -1.0, 1.0)) / kDeg;
  update();
  emit directionChanged(azimuth_, elevation_);
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
  p.setBrush(shade);
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
