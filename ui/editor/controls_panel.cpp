#include "ui/editor/controls_panel.h"

#include "ui/editor/control_group.h"
#include "ui/widgets/light_sphere.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace drig::ui {

namespace {
QPushButton* button(const QString& text, const QString& name, const QString& tooltip) {
  auto* b = new QPushButton(text);
  b->setObjectName(name);
  b->setToolTip(tooltip);
  return b;
}
} // namespace

ControlsPanel::ControlsPanel(QWidget* parent)
    : QWidget(parent), lighting_(new ControlGroup(tr("Lighting"), QStringLiteral("lightingGroup"))),
      expression_(new ControlGroup(tr("Expression"), QStringLiteral("expressionGroup"))),
      components_(new ControlGroup(tr("Expression components"), QStringLiteral("componentGroup"))),
      pose_(new ControlGroup(tr("Pose"), QStringLiteral("poseGroup"))),
      result_(new ControlGroup(tr("Generate"), QStringLiteral("resultGroup"))),
      sphere_(new LightSphere),
      colour_(button(tr("Colour…"), QStringLiteral("lightColourButton"),
                     tr("Pick the light's colour (multiplies temperature and tint)"))),
      sh_(button(tr("SH…"), QStringLiteral("lightShButton"),
                 tr("Type the 27 spherical-harmonics numbers of the light"))),
      copy_light_(button(tr("Copy…"), QStringLiteral("copyLightButton"),
                         tr("Use the lighting of another photo (the paper's light transfer)"))),
      copy_expression_(button(tr("Copy…"), QStringLiteral("copyExpressionButton"),
                              tr("Use the expression and jaw of another photo"))),
      copy_pose_(button(tr("Copy…"), QStringLiteral("copyPoseButton"),
                        tr("Turn the head as in another photo"))),
      components_toggle_(button(tr("Components"), QStringLiteral("componentsToggle"),
                                tr("Sliders for the leading FLAME expression components"))),
      generate_(button(tr("Generate"), QStringLiteral("generateButton"),
                       tr("Sample the edited portrait with the personal model (Ctrl+G)"))),
      cancel_(button(tr("Cancel"), QStringLiteral("cancelGenerateButton"),
                     tr("Stop the generation at its next step"))),
      fast_(new QCheckBox(tr("Fast preview"))), progress_(new QProgressBar), status_(new QLabel),
      hint_(new QLabel(tr("Select a portrait in the album to edit it."))) {
  setObjectName(QStringLiteral("controlsPanel"));
  const QString deg = QStringLiteral("°");
  const QString pct = QStringLiteral("%");
  auto* sphere_row = new QWidget;
  auto* sphere_layout = new QHBoxLayout(sphere_row);
  sphere_layout->setContentsMargins(0, 0, 0, 0);
  sphere_layout->addStretch(1);
  sphere_layout->addWidget(sphere_);
  sphere_layout->addStretch(1);
  lighting_->addWidget(sphere_row);
  lighting_->addControl(QStringLiteral("azimuth"), tr("Azimuth"), -180, 180, 0, deg,
                        tr("Direction of the key light around the face"));
  lighting_->addControl(QStringLiteral("elevation"), tr("Elevation"), -90, 90, 0, deg,
                        tr("Height of the key light above the eyes"));
  lighting_->addControl(QStringLiteral("intensity"), tr("Intensity"), 0, 300, 100, pct,
                        tr("Strength of the key light, relative to the photo's"));
  lighting_->addControl(QStringLiteral("ambient"), tr("Ambient"), 0, 300, 100, pct,
                        tr("Soft, directionless fill light, relative to the photo's"));
  lighting_->addControl(QStringLiteral("temperature"), tr("Temperature"), 2000, 12000, 6500,
                        QStringLiteral(" K"), tr("Colour temperature: lower is warmer"));
  lighting_->spinBox(QStringLiteral("temperature"))->setSingleStep(100);
  lighting_->slider(QStringLiteral("temperature"))->setSingleStep(100);
  lighting_->addControl(QStringLiteral("tint"), tr("Tint"), -100, 100, 0, pct,
                        tr("Green (negative) to magenta (positive)"));
  for (QPushButton* b : {colour_, sh_, copy_light_})
    lighting_->addButton(b);

  expression_->addControl(QStringLiteral("smile"), tr("Smile"), -100, 100, 0, pct,
                          tr("Mouth corners out and up (negative: down)"));
  expression_->addControl(QStringLiteral("brows"), tr("Brows"), -100, 100, 0, pct,
                          tr("Raise (positive) or lower (negative) the eyebrows"));
  expression_->addControl(QStringLiteral("eyesClosed"), tr("Eyes closed"), -100, 100, 0, pct,
                          tr("Close (positive) or widen (negative) the eyes"));
  expression_->addControl(QStringLiteral("jawOpen"), tr("Jaw open"), -10, 40, 0, deg,
                          tr("Opening of the jaw in degrees"));
  components_toggle_->setCheckable(true);
  for (QPushButton* b : {components_toggle_, copy_expression_})
    expression_->addButton(b);
  for (int i = 0; i < kComponentSliders; ++i)
    components_->addControl(QStringLiteral("c%1").arg(i), tr("Component %1").arg(i + 1), -300, 300,
                            0, QString(),
                            tr("Change of FLAME expression coefficient %1, in hundredths of a "
                               "standard deviation")
                                .arg(i + 1));
  components_->setVisible(false);
  connect(components_toggle_, &QPushButton::toggled, components_, &QWidget::setVisible);

  pose_->addControl(QStringLiteral("yaw"), tr("Yaw"), -45, 45, 0, deg,
                    tr("Turn the head left or right, relative to the photo"));
  pose_->addControl(QStringLiteral("pitch"), tr("Pitch"), -30, 30, 0, deg,
                    tr("Tilt the head up or down, relative to the photo"));
  pose_->addControl(QStringLiteral("roll"), tr("Roll"), -30, 30, 0, deg,
                    tr("Lean the head towards a shoulder, relative to the photo"));
  pose_->addButton(copy_pose_);

  result_->addControl(QStringLiteral("strength"), tr("Strength"), 0, 100, 100, pct,
                      tr("How much of the edit to apply (0 = the photo's own rig)"));
  result_->addControl(QStringLiteral("colourLock"), tr("Colour lock"), 0, 100, 100, pct,
                      tr("Keep the photo's skin tone and white balance in the result (on by "
                         "default for expression and pose edits, off for light edits)"));
  fast_->setObjectName(QStringLiteral("fastPreviewCheck"));
  fast_->setToolTip(tr("A first image after a few steps, then refined to the steps set in "
                       "Preferences; moving a slider starts over at once"));
  progress_->setObjectName(QStringLiteral("generateProgress"));
  progress_->setRange(0, 100);
  progress_->setVisible(false);
  status_->setObjectName(QStringLiteral("generateStatus"));
  status_->setWordWrap(true);
  auto* generate_row = new QWidget;
  auto* row = new QHBoxLayout(generate_row);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(fast_);
  row->addStretch(1);
  row->addWidget(cancel_);
  row->addWidget(generate_);
  result_->addWidget(generate_row);
  result_->addWidget(progress_);
  result_->addWidget(status_);
  generate_->setDefault(true);
  cancel_->setVisible(false);

  int label_width = 0;
  for (ControlGroup* group : {lighting_, expression_, components_, pose_, result_})
    label_width = std::max(label_width, group->labelWidthHint());
  for (ControlGroup* group : {lighting_, expression_, components_, pose_, result_})
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
  for (QWidget* w : {lighting_, expression_, components_, pose_, result_})
    column->addWidget(w);
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
  for (ControlGroup* group : {lighting_, expression_, components_, pose_, result_})
    group->setEnabled(enabled);
  hint_->setVisible(!enabled);
}

void ControlsPanel::setGenerating(bool running) {
  generate_->setVisible(!running);
  cancel_->setVisible(running);
  progress_->setVisible(running);
  if (running)
    progress_->setValue(0);
}

} // namespace drig::ui
