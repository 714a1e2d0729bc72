#include "ui/widgets/image_pane.h"

#include <QPainter>
#include <QPainterPath>

namespace drig::ui {

namespace {
const QColor kPaneBackground(0x1d, 0x20, 0x25);
const QColor kPaneBorder(0x3a, 0x3f, 0x48);
const QColor kGlyph(0x4b, 0x52, 0x5e);
const QColor kCaption(0x9a, 0xa1, 0xab);
const QColor kChip(0x33, 0x38, 0x41);
} // namespace

ImagePane::ImagePane(const QString& title, const QString& placeholder, QWidget* parent)
    : QWidget(parent), title_(title), placeholder_(placeholder) {
  setAccessibleName(title);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImagePane::setImage(const QImage& image) {
  image_ = image;
  update();
}

void ImagePane::clear() {
  setImage({});
}

QSize ImagePane::sizeHint() const {
  return {360, 400};
}

QSize ImagePane::minimumSizeHint() const {
  return {160, 180};
}

void ImagePane::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  const QRectF frame = QRectF(rect()).adjusted(1, 1, -1, -1);
  p.setPen(QPen(kPaneBorder, 1));
  p.setBrush(kPaneBackground);
  p.drawRoundedRect(frame, 8, 8);

  const QFontMetrics metrics(font());
  const int chip_height = metrics.height() + 8;
  const QRectF area = frame.adjusted(12, chip_height + 16, -12, -12);
  if (image_.isNull()) {
    paintPlaceholder(p, area);
  } else {
    QSizeF size = image_.size();
    size.scale(area.size(), Qt::KeepAspectRatio);
    const QRectF target(area.center().x() - size.width() / 2, area.center().y() - size.height() / 2,
                        size.width(), size.height());
    p.drawImage(target, image_);
  }

  // The title chip, top-left.
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  const QFontMetrics bold_metrics(bold);
  const QRectF chip(frame.left() + 10, frame.top() + 10,
                    bold_metrics.horizontalAdvance(title_) + 20, chip_height);
  p.setPen(Qt::NoPen);
  p.setBrush(kChip);
  p.drawRoundedRect(chip, chip_height / 2.0, chip_height / 2.0);
  p.setPen(QColor(0xe6, 0xe9, 0xee));
  p.drawText(chip, Qt::AlignCenter, title_);
}

void ImagePane::paintPlaceholder(QPainter& p, const QRectF& area) const {
  const QFontMetrics metrics(font());
  const qreal caption_height = metrics.height() * 2.5;
  const qreal side = std::min(area.width() * 0.45, (area.height() - caption_height) * 0.75);
  if (side > 24) {
    // A faint portrait glyph: head outline, eyes, a neutral mouth, shoulders.
    const QRectF head(area.center().x() - side * 0.36,
                      area.center().y() - side * 0.62 - caption_height / 2, side * 0.72,
                      side * 0.92);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(kGlyph, std::max(2.0, side / 40), Qt::SolidLine, Qt::RoundCap));
    p.drawEllipse(head);
    QPainterPath shoulders(QPointF(head.center().x() - side * 0.62, head.bottom() + side * 0.34));
    shoulders.cubicTo(QPointF(head.center().x() - side * 0.55, head.bottom() + side * 0.05),
                      QPointF(head.center().x() + side * 0.55, head.bottom() + side * 0.05),
                      QPointF(head.center().x() + side * 0.62, head.bottom() + side * 0.34));
    p.drawPath(shoulders);
    p.setBrush(kGlyph);
    const qreal eye = side * 0.035;
    p.drawEllipse(QPointF(head.center().x() - side * 0.13, head.center().y() - side * 0.06), eye,
                  eye);
    p.drawEllipse(QPointF(head.center().x() + side * 0.13, head.center().y() - side * 0.06), eye,
                  eye);
    p.drawLine(QPointF(head.center().x() - side * 0.1, head.center().y() + side * 0.2),
               QPointF(head.center().x() + side * 0.1, head.center().y() + side * 0.2));
  }
  p.setPen(kCaption);
  const QRectF caption(area.left(), area.bottom() - caption_height, area.width(), caption_height);
  p.drawText(caption, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, placeholder_);
}

} // namespace drig::ui
