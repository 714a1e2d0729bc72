#include "ui/shell/empty_state.h"

#include <QPainter>
#include <QPainterPath>

namespace drig::ui {

namespace {
constexpr int kMargin = 10;
constexpr int kPadding = 14;
constexpr int kGlyphSize = 64;
} // namespace

EmptyState::EmptyState(const QString& title, const QString& text, Glyph glyph, QWidget* parent)
    : QWidget(parent), title_(title), text_(text), glyph_(glyph) {
  setAccessibleName(title);
  setAccessibleDescription(text);
}

void EmptyState::setTitle(const QString& title) {
  title_ = title;
  setAccessibleName(title);
  update();
}

void EmptyState::setText(const QString& text) {
  text_ = text;
  setAccessibleDescription(text);
  update();
}

QSize EmptyState::sizeHint() const {
  return {260, 160};
}

QSize EmptyState::minimumSizeHint() const {
  return {140, 90};
}

void EmptyState::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF frame = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
  QColor border = palette().color(QPalette::WindowText);
  border.setAlpha(70);
  QPen pen(border, 1.5, Qt::DashLine);
  p.setPen(pen);
  p.setBrush(Qt::NoBrush);
  p.drawRoundedRect(frame, 10, 10);

  const QRect inner = frame.toRect().adjusted(kPadding, kPadding, -kPadding, -kPadding);
  QFont title_font = font();
  title_font.setBold(true);
  title_font.setPointSizeF(title_font.pointSizeF() * 1.15);
  const QFontMetrics title_metrics(title_font);
  const QFontMetrics text_metrics(font());
  const int flags = Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap;
  const QRect title_box = title_metrics.boundingRect(inner, flags, title_);
  const QRect text_box = text_metrics.boundingRect(inner, flags, text_);
  const int gap = text_.isEmpty() ? 0 : 6;
  const bool glyph = glyph_ != Glyph::None && inner.height() > kGlyphSize * 2 + 40;
  const int glyph_height = glyph ? kGlyphSize + 14 : 0;
  const int total = glyph_height + title_box.height() + gap + text_box.height();
  int top = inner.top() + std::max(0, (inner.height() - total) / 2);
  if (glyph) {
    paintPhotos(p, QRectF(inner.center().x() - kGlyphSize / 2.0, top, kGlyphSize, kGlyphSize));
    top += glyph_height;
  }

  p.setFont(title_font);
  p.setPen(palette().color(QPalette::WindowText));
  p.drawText(QRect(inner.left(), top, inner.width(), title_box.height()), flags, title_);
  top += title_box.height() + gap;
  p.setFont(font());
  QColor muted = palette().color(QPalette::WindowText);
  muted.setAlpha(170);
  p.setPen(muted);
  p.drawText(QRect(inner.left(), top, inner.width(), inner.bottom() - top), flags, text_);
}

void EmptyState::paintPhotos(QPainter& p, const QRectF& box) const {
  // Two stacked photos (a landscape on the front one) and an arrow dropping in.
  QColor ink = palette().color(QPalette::WindowText);
  ink.setAlpha(120);
  const qreal s = box.width() / 64.0;
  const QPointF o = box.topLeft();
  const auto at = [&](qreal x, qreal y) { return o + QPointF(x * s, y * s); };
  p.save();
  p.setPen(QPen(ink, 2 * s, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.setBrush(palette().color(QPalette::Window));
  p.translate(at(22, 30));
  p.rotate(-10);
  p.drawRoundedRect(QRectF(-18 * s, -13 * s, 36 * s, 26 * s), 3 * s, 3 * s);
  p.restore();
  p.save();
  p.setPen(QPen(ink, 2 * s, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.setBrush(palette().color(QPalette::Window));
  const QRectF front(at(20, 30), at(56, 56));
  p.drawRoundedRect(front, 3 * s, 3 * s);
  p.drawPolyline(QPolygonF({at(23, 53), at(33, 42), at(40, 48), at(45, 44), at(53, 53)}));
  p.setBrush(ink);
  p.drawEllipse(at(47, 37), 2.5 * s, 2.5 * s);
  p.setBrush(Qt::NoBrush);
  p.drawLine(at(38, 2), at(38, 22));
  p.drawPolyline(QPolygonF({at(31, 15), at(38, 22), at(45, 15)}));
  p.restore();
}

} // namespace drig::ui
