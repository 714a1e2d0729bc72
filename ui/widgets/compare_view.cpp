#include "ui/widgets/compare_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace drig::ui {

namespace {
constexpr double kMargin = 8;
constexpr double kGap = 8;
constexpr double kMinZoom = 0.05, kMaxZoom = 32;
const QColor kBackground(0x2a, 0x2d, 0x33);
} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("compareView"));
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  setMinimumSize(200, 150);
  setToolTip(tr("Drag the line to compare · wheel: zoom · drag: pan · 1: fit / 1:1 · "
                "\\: before / after"));
}

namespace {
// The after image at the before image's size (a model's 256² output over a
// larger crop), so both halves are drawn with one geometry.
QImage matched(const QImage& after, const QImage& before) {
  if (after.isNull() || before.isNull() || after.size() == before.size())
    return after;
  return after.scaled(before.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
}
} // namespace

void CompareView::setImages(const QImage& before, const QImage& after) {
  before_ = before;
  after_ = matched(after.isNull() ? before : after, before_);
  update();
}

void CompareView::setAfter(const QImage& after) {
  after_ = matched(after, before_);
  update();
}

void CompareView::setMode(Mode mode) {
  if (mode == mode_)
    return;
  mode_ = mode;
  update();
  Q_EMIT modeChanged(mode_);
}

void CompareView::setSplitPosition(double position) {
  split_ = std::clamp(position, 0.0, 1.0);
  update();
}

void CompareView::setZoom(double zoom) {
  zoom = zoom <= 0 ? 0 : std::clamp(zoom, kMinZoom, kMaxZoom);
  if (zoom == 0)
    centre_ = {0.5, 0.5};
  if (zoom == zoom_)
    return;
  zoom_ = zoom;
  update();
  Q_EMIT zoomChanged(zoom_);
}

void CompareView::setShowBefore(bool before) {
  show_before_ = before;
  update();
}

QRectF CompareView::pane(int index) const {
  const QRectF all = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
  if (mode_ == Mode::Split)
    return all;
  const double w = (all.width() - kGap) / 2;
  return QRectF(all.left() + index * (w + kGap), all.top(), w, all.height());
}

double CompareView::scale() const {
  if (zoom_ > 0)
    return zoom_;
  if (before_.isNull())
    return 1;
  const QRectF p = pane(0);
  return std::min(p.width() / before_.width(), p.height() / before_.height());
}

QRectF CompareView::imageRect(int index) const {
  const QRectF p = pane(index);
  const QSizeF size = QSizeF(before_.size()) * scale();
  return QRectF(p.center().x() - centre_.x() * size.width(),
                p.center().y() - centre_.y() * size.height(), size.width(), size.height());
}

bool CompareView::nearSplit(const QPointF& pos) const {
  if (mode_ != Mode::Split || before_.isNull())
    return false;
  const QRectF r = imageRect(0);
  return std::abs(pos.x() - (r.left() + split_ * r.width())) < 8;
}

void CompareView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), kBackground);
  if (before_.isNull())
    return;
  p.setRenderHint(QPainter::SmoothPixmapTransform, scale() < 2);
  const QImage& right = show_before_ ? before_ : after_;
  const auto label = [&](const QRectF& area, const QString& text, Qt::Alignment where) {
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    const QRectF box = area.adjusted(10, 8, -10, -8);
    p.setPen(QColor(0, 0, 0, 160));
    p.drawText(box.translated(1, 1), where, text);
    p.setPen(Qt::white);
    p.drawText(box, where, text);
  };
  if (mode_ == Mode::SideBySide) {
    for (int i = 0; i < 2; ++i) {
      p.save();
      p.setClipRect(pane(i));
      p.drawImage(imageRect(i), i == 0 ? before_ : right);
      p.restore();
      label(pane(i), i == 0 ? tr("Before") : (show_before_ ? tr("Before") : tr("After")),
            Qt::AlignTop | Qt::AlignLeft);
    }
    return;
  }
  const QRectF r = imageRect(0);
  const QRectF view = pane(0);
  const double x = r.left() + split_ * r.width();
  p.save();
  p.setClipRect(
      view.intersected(QRectF(QPointF(view.left(), view.top()), QPointF(x, view.bottom()))));
  p.drawImage(r, before_);
  p.restore();
  p.save();
  p.setClipRect(
      view.intersected(QRectF(QPointF(x, view.top()), QPointF(view.right(), view.bottom()))));
  p.drawImage(r, right);
  p.restore();
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(QColor(255, 255, 255, 220), 2));
  p.drawLine(QPointF(x, std::max(view.top(), r.top())),
             QPointF(x, std::min(view.bottom(), r.bottom())));
  const QPointF knob(x, std::clamp(r.center().y(), view.top() + 12, view.bottom() - 12));
  p.setBrush(QColor(255, 255, 255, 230));
  p.drawEllipse(knob, 9, 9);
  p.setPen(QPen(kBackground, 2));
  p.drawLine(knob + QPointF(-4, 0), knob + QPointF(-1, -3));
  p.drawLine(knob + QPointF(-4, 0), knob + QPointF(-1, 3));
  p.drawLine(knob + QPointF(4, 0), knob + QPointF(1, -3));
  p.drawLine(knob + QPointF(4, 0), knob + QPointF(1, 3));
  label(view, tr("Before"), Qt::AlignTop | Qt::AlignLeft);
  label(view, show_before_ ? tr("Before") : tr("After"), Qt::AlignTop | Qt::AlignRight);
}

void CompareView::wheelEvent(QWheelEvent* event) {
  if (before_.isNull())
    return;
  const QPointF pos = event->position();
  int index = mode_ == Mode::SideBySide && pos.x() > pane(1).left() ? 1 : 0;
  const QRectF r = imageRect(index);
  const QPointF under((pos.x() - r.left()) / r.width(), (pos.y() - r.top()) / r.height());
  const double factor = std::pow(1.25, event->angleDelta().y() / 120.0);
  const double zoom = std::clamp(scale() * factor, kMinZoom, kMaxZoom);
  const QSizeF size = QSizeF(before_.size()) * zoom;
  const QPointF centre = pane(index).center();
  // Keep the image point under the cursor where it is.
  centre_ = {under.x() + (centre.x() - pos.x()) / size.width(),
             under.y() + (centre.y() - pos.y()) / size.height()};
  zoom_ = zoom;
  update();
  Q_EMIT zoomChanged(zoom_);
  event->accept();
}

void CompareView::mousePressEvent(QMouseEvent* event) {
  setFocus(Qt::MouseFocusReason);
  if (event->button() != Qt::LeftButton)
    return;
  last_ = event->position();
  drag_ = nearSplit(last_) ? Drag::Split : Drag::Pan;
  if (drag_ == Drag::Split)
    setCursor(Qt::SplitHCursor);
  else
    setCursor(Qt::ClosedHandCursor);
}

void CompareView::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (drag_ == Drag::Split) {
    const QRectF r = imageRect(0);
    setSplitPosition((pos.x() - r.left()) / r.width());
  } else if (drag_ == Drag::Pan && !before_.isNull()) {
    const QSizeF size = QSizeF(before_.size()) * scale();
    centre_ -= QPointF((pos.x() - last_.x()) / size.width(), (pos.y() - last_.y()) / size.height());
    centre_ = {std::clamp(centre_.x(), 0.0, 1.0), std::clamp(centre_.y(), 0.0, 1.0)};
    if (zoom_ == 0)
      zoom_ = scale(); // panning leaves "fit"
    update();
  } else {
    setCursor(nearSplit(pos) ? Qt::SplitHCursor : Qt::OpenHandCursor);
  }
  last_ = pos;
}

void CompareView::mouseReleaseEvent(QMouseEvent*) {
  drag_ = Drag::None;
  setCursor(Qt::OpenHandCursor);
}

void CompareView::mouseDoubleClickEvent(QMouseEvent*) {
  setZoom(zoom_ == 1 ? 0 : 1);
}

void CompareView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Backslash) {
    if (!event->isAutoRepeat())
      setShowBefore(!show_before_);
  } else if (event->key() == Qt::Key_1) {
    setZoom(zoom_ == 1 ? 0 : 1);
  } else if (event->key() == Qt::Key_0) {
    fit();
  } else {
    QWidget::keyPressEvent(event);
  }
}

} // namespace drig::ui
