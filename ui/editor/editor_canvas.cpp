#include "ui/editor/editor_canvas.h"

#include "ui/widgets/buffer_preview.h"
#include "ui/widgets/compare_view.h"
#include "ui/widgets/image_pane.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace drig::ui {

namespace {
const QColor kCanvasBackground(0x2a, 0x2d, 0x33);
const QColor kCanvasText(0xc9, 0xce, 0xd6);

QString empty_hint() {
  return QObject::tr("No portrait selected. Drop about 20 photos of one person into the album, "
                     "then pick a portrait: Lighting, Expression and Pose change its buffers at "
                     "once; Generate makes the edited portrait.");
}
} // namespace

EditorCanvas::EditorCanvas(QWidget* parent)
    : QWidget(parent),
      buffer_image_(new ImagePane(tr("Buffers"), tr("The edited face's buffers appear here"))),
      compare_(new CompareView), stack_(new QStackedWidget), modes_(new QButtonGroup(this)),
      view_combo_(new QComboBox), hint_(new QLabel(empty_hint())), info_(new QLabel) {
  setObjectName(QStringLiteral("editorCanvas"));
  hint_->setObjectName(QStringLiteral("canvasHint"));
  info_->setObjectName(QStringLiteral("canvasInfo"));
  buffer_image_->setObjectName(QStringLiteral("bufferImage"));
  view_combo_->setObjectName(QStringLiteral("bufferViewCombo"));

  QPalette dark = palette();
  dark.setColor(QPalette::Window, kCanvasBackground);
  dark.setColor(QPalette::WindowText, kCanvasText);
  setPalette(dark);
  setAutoFillBackground(true);

  if (BufferPreview::supported()) {
    preview_ = new BufferPreview;
    preview_->setObjectName(QStringLiteral("bufferPreview"));
    stack_->addWidget(preview_);
  } else {
    stack_->addWidget(buffer_image_);
  }
  stack_->addWidget(compare_);

  auto* bar = new QHBoxLayout;
  bar->setSpacing(4);
  const struct {
    Mode mode;
    const char* name;
    QString text, tip;
  } buttons[] = {
      {Mode::Buffers, "buffersModeButton", tr("Buffers"),
       tr("The edited face's physical buffers, live (B)")},
      {Mode::Split, "splitModeButton", tr("Split"), tr("Before and after with a split line (S)")},
      {Mode::SideBySide, "sideBySideModeButton", tr("Side by side"),
       tr("Before and after next to each other (D)")},
  };
  const QKeySequence keys[] = {QKeySequence(Qt::Key_B), QKeySequence(Qt::Key_S),
                               QKeySequence(Qt::Key_D)};
  for (const auto& b : buttons) {
    auto* tool = new QToolButton;
    tool->setObjectName(QString::fromLatin1(b.name));
    tool->setText(b.text);
    tool->setToolTip(b.tip);
    tool->setCheckable(true);
    tool->setShortcut(keys[int(b.mode)]);
    tool->setAutoRaise(true);
    modes_->addButton(tool, int(b.mode));
    bar->addWidget(tool);
  }
  modes_->button(int(Mode::Buffers))->setChecked(true);
  view_combo_->addItem(tr("Rendered"), int(BufferPreview::View::Rendered));
  view_combo_->addItem(tr("Shading"), int(BufferPreview::View::Shaded));
  view_combo_->addItem(tr("Normals"), int(BufferPreview::View::Normal));
  view_combo_->addItem(tr("Albedo"), int(BufferPreview::View::Albedo));
  view_combo_->setToolTip(tr("Which physical buffer the Buffers view shows"));
  bar->addSpacing(12);
  bar->addWidget(view_combo_);
  bar->addStretch(1);
  bar->addWidget(info_);
  connect(view_combo_, &QComboBox::currentIndexChanged, this, [this] {
    if (preview_)
      preview_->setView(BufferPreview::View(view_combo_->currentData().toInt()));
  });
  connect(modes_, &QButtonGroup::idClicked, this, [this](int id) { setMode(Mode(id)); });

  hint_->setAlignment(Qt::AlignCenter);
  hint_->setWordWrap(true);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(14, 8, 14, 10);
  layout->setSpacing(8);
  layout->addLayout(bar);
  layout->addWidget(stack_, 1);
  layout->addWidget(hint_);
}

EditorCanvas::Mode EditorCanvas::mode() const {
  return Mode(modes_->checkedId());
}

void EditorCanvas::setMode(Mode mode) {
  modes_->button(int(mode))->setChecked(true);
  stack_->setCurrentIndex(mode == Mode::Buffers ? 0 : 1);
  view_combo_->setEnabled(mode == Mode::Buffers);
  if (mode != Mode::Buffers)
    compare_->setMode(mode == Mode::Split ? CompareView::Mode::Split
                                          : CompareView::Mode::SideBySide);
  Q_EMIT modeChanged(mode);
}

void EditorCanvas::showPortrait(const QImage& before, const QImage& after) {
  compare_->setImages(before, after);
  hint_->setVisible(before.isNull());
}

void EditorCanvas::setAfterImage(const QImage& after) {
  compare_->setAfter(after);
}

void EditorCanvas::setBufferImage(const QImage& image) {
  buffer_image_->setImage(image);
}

void EditorCanvas::clear() {
  compare_->setImages({}, {});
  buffer_image_->clear();
  hint_->setText(empty_hint());
  hint_->setVisible(true);
}

bool EditorCanvas::hasPortrait() const {
  return !compare_->before().isNull();
}

} // namespace drig::ui
