#include "ui/shell/app_icon.h"

#include <QImageReader>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QRadialGradient>

// Q_INIT_RESOURCE must be used outside any namespace; the resources live in a
// static library, so nothing would pull them in otherwise.
static void init_studio_resources() {
  Q_INIT_RESOURCE(resources);
}

namespace drig::ui {

namespace {

const QColor kLight(0xff, 0xd3, 0x6b);

// Keep in step with resources/icons/diffusionrig-studio.svg (a 256x256 canvas).
void paint_icon_256(QPainter& p) {
  QLinearGradient background(0, 0, 256, 256);
  background.setColorAt(0, QColor(0x27, 0x35, 0x5f));
  background.setColorAt(1, QColor(0x17, 0x80, 0x8a));
  p.setPen(Qt::NoPen);
  p.setBrush(background);
  p.drawRoundedRect(QRectF(8, 8, 240, 240), 52, 52);

  // The ray of light from the top-left lamp onto the face.
  QRadialGradient ray(QPointF(58, 58), 170);
  ray.setColorAt(0, QColor(0xff, 0xd3, 0x6b, 150));
  ray.setColorAt(1, QColor(0xff, 0xd3, 0x6b, 0));
  p.setBrush(ray);
  p.drawPolygon(QPolygonF({QPointF(58, 58), QPointF(196, 82), QPointF(82, 204)}));
  p.setBrush(kLight);
  p.drawEllipse(QPointF(58, 58), 20, 20);

  // The face: an outline with a hint of the 3D mesh, lit from the left.
  const QRectF head(86, 64, 120, 152);
  QPen outline(Qt::white, 9, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
  p.setBrush(QColor(255, 255, 255, 24));
  p.setPen(outline);
  p.drawEllipse(head);
  QPen mesh(QColor(255, 255, 255, 130), 4, Qt::SolidLine, Qt::RoundCap);
  p.setPen(mesh);
  p.setBrush(Qt::NoBrush);
  QPainterPath meridian(QPointF(146, 64));
  meridian.cubicTo(QPointF(120, 110), QPointF(120, 170), QPointF(146, 216));
  QPainterPath equator(QPointF(86, 140));
  equator.cubicTo(QPointF(116, 156), QPointF(176, 156), QPointF(206, 140));
  p.drawPath(meridian);
  p.drawPath(equator);
  QPainterPath lit;
  lit.arcMoveTo(head, 100);
  lit.arcTo(head, 100, 100);
  p.setPen(QPen(kLight, 9, Qt::SolidLine, Qt::RoundCap));
  p.drawPath(lit);

  p.setPen(Qt::NoPen);
  p.setBrush(Qt::white);
  p.drawEllipse(QPointF(126, 122), 7, 7);
  p.drawEllipse(QPointF(168, 122), 7, 7);
  QPainterPath smile(QPointF(124, 172));
  smile.quadTo(QPointF(148, 192), QPointF(172, 172));
  p.setPen(QPen(Qt::white, 7, Qt::SolidLine, Qt::RoundCap));
  p.setBrush(Qt::NoBrush);
  p.drawPath(smile);
}

QIcon painted_icon() {
  QIcon icon;
  for (const int size : {16, 24, 32, 48, 64, 128, 256}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    paint_app_icon(painter, QRectF(0, 0, size, size));
    icon.addPixmap(pixmap);
  }
  return icon;
}

} // namespace

void paint_app_icon(QPainter& painter, const QRectF& rect) {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  painter.translate(rect.topLeft());
  painter.scale(rect.width() / 256.0, rect.height() / 256.0);
  paint_icon_256(painter);
  painter.restore();
}

QIcon app_icon() {
  init_studio_resources();
  if (QImageReader::supportedImageFormats().contains("svg")) {
    QIcon icon(QString::fromLatin1(kAppIconResource));
    if (!icon.isNull() && !icon.availableSizes().isEmpty())
      return icon;
  }
  return painted_icon();
}

} // namespace drig::ui
