#include "ui/controls_panel.h"

#include "ui/control_group.h"

#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>

namespace drig::ui {

ControlsPanel::ControlsPanel(QWidget* parent)
    : QWidget(parent), lighting_(new ControlGroup(tr("Lighting"), QStringLiteral("lightingGroup"))),
      expression_(new ControlGroup(tr("Expression"), QStringLiteral("expressionGroup"))),
      pose_(new ControlGroup(tr("Pose"), QStringLiteral("poseGroup"))),
      hint_(new QLabel(tr("Select a portrait in the album to edit it."))) {
  setObjectName(QStringLiteral("controlsPanel"));
  const QString deg = QStringLiteral("°");
  const QString pct = QStringLiteral("%");
  lighting_->addControl(QStringLiteral("azimuth"), tr("Azimuth"), -180, 180, 0, deg,
                        tr("Direction of the key light around the face"));
  lighting_->addControl(QStringLiteral("elevation"), tr("Elevation"), -90, 90, 20, deg,
                        tr("Height of the key light above the eyes"));
  lighting_->addControl(QStringLiteral("intensity"), tr("Intensity"), 0, 200, 100, pct,
                        tr("Strength of the key light"));
  lighting_->addControl(QStringLiteral("ambient"), tr("Ambient"), 0, 100, 40, pct,
                        tr("Soft, directionless fill light"));

  expression_->addControl(QStringLiteral("smile"), tr("Smile"), -100, 100, 0, pct);
  expression_->addControl(QStringLiteral("jawOpen"), tr("Jaw open"), 0, 100, 0, pct);
  expression_->addControl(QStringLiteral("browRaise"), tr("Brows"), -100, 100, 0, pct,
                          tr("Raise (positive) or lower (negative) the eyebrows"));
  expression_->addControl(QStringLiteral("eyesClosed"), tr("Eyes closed"), 0, 100, 0, pct);

  pose_->addControl(QStringLiteral("yaw"), tr("Yaw"), -45, 45, 0, deg,
                    tr("Turn the head left or right"));
  pose_->addControl(QStringLiteral("pitch"), tr("Pitch"), -30, 30, 0, deg,
                    tr("Tilt the head up or down"));
  pose_->addControl(QStringLiteral("roll"), tr("Roll"), -30, 30, 0, deg,
                    tr("Lean the head towards a shoulder"));

  int label_width = 0;
  for (ControlGroup* group : {lighting_, expression_, pose_})
    label_width = std::max(label_width, group->labelWidthHint());
  for (ControlGroup* group : {lighting_, expression_, pose_})
    group->setLabelWidth(label_width);

  hint_->setObjectName(QStringLiteral("controlsHint"));
  hint_->setWordWrap(true);
  QFont italic = hint_->font();
  italic.setItalic(true);
  hint_->setFont(italic);

  auto* content = new QWidget;
  auto* column = new QVBoxLayout(content);
  column->setContentsMargins(8, 8, 8, 8);
  column->setSpacing(10);
  column->addWidget(hint_);
  column->addWidget(lighting_);
  column->addWidget(expression_);
  column->addWidget(pose_);
  column->addStretch(1);

  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll);
  setMinimumWidth(content->minimumSizeHint().width() + 4);

  setEditingEnabled(false);
}

void ControlsPanel::setEditingEnabled(bool enabled) {
  enabled_ = enabled;
  for (ControlGroup* group : {lighting_, expression_, pose_})
    group->setEnabled(enabled);
  hint_->setVisible(!enabled);
}

} // namespace drig::ui
