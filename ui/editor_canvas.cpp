#include "ui/editor_canvas.h"

#include "ui/image_pane.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace drig::ui {

namespace {
const QColor kCanvasBackground(0x2a, 0x2d, 0x33);
const QColor kCanvasText(0xc9, 0xce, 0xd6);

QString empty_hint() {
  return QObject::tr("No portrait selected. Drop about 20 photos of one person into the album, "
                     "then pick a portrait: Lighting, Expression and Pose change the After view.");
}
} // namespace

EditorCanvas::EditorCanvas(QWidget* parent)
    : QWidget(parent), before_(new ImagePane(tr("Before"), tr("The original photo appears here"))),
      after_(new ImagePane(tr("After"), tr("The edited portrait appears here"))),
      splitter_(new QSplitter(Qt::Horizontal)), hint_(new QLabel(empty_hint())) {
  setObjectName(QStringLiteral("editorCanvas"));
  before_->setObjectName(QStringLiteral("beforePane"));
  after_->setObjectName(QStringLiteral("afterPane"));
  hint_->setObjectName(QStringLiteral("canvasHint"));

  QPalette dark = palette();
  dark.setColor(QPalette::Window, kCanvasBackground);
  dark.setColor(QPalette::WindowText, kCanvasText);
  setPalette(dark);
  setAutoFillBackground(true);

  splitter_->addWidget(before_);
  splitter_->addWidget(after_);
  splitter_->setChildrenCollapsible(false);
  splitter_->setHandleWidth(10);
  splitter_->setStyleSheet(QStringLiteral("QSplitter::handle { background: transparent; }"));

  hint_->setAlignment(Qt::AlignCenter);
  hint_->setWordWrap(true);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(14, 14, 14, 10);
  layout->setSpacing(10);
  layout->addWidget(splitter_, 1);
  layout->addWidget(hint_);
}

void EditorCanvas::showPortrait(const QImage& before, const QImage& after) {
  before_->setImage(before);
  after_->setImage(after.isNull() ? before : after);
  hint_->setVisible(before.isNull());
}

void EditorCanvas::setAfterImage(const QImage& after) {
  after_->setImage(after);
}

void EditorCanvas::clear() {
  before_->clear();
  after_->clear();
  hint_->setText(empty_hint());
  hint_->setVisible(true);
}

bool EditorCanvas::hasPortrait() const {
  return !before_->image().isNull();
}

} // namespace drig::ui
