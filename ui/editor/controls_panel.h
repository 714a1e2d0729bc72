#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace drig::ui {

class ControlGroup;
class LightSphere;

// The right dock: the physical edits DiffusionRig conditions on, grouped as
// Lighting (spherical-harmonics light), Expression and Pose (FLAME), and
// Generate (strength, preview or final quality). Widgets only: the
// EditorController turns them into an edit. Disabled until a portrait is
// selected.
class ControlsPanel : public QWidget {
  Q_OBJECT

public:
  explicit ControlsPanel(QWidget* parent = nullptr);

  ControlGroup* lighting() const { return lighting_; }
  ControlGroup* expression() const { return expression_; }
  ControlGroup* components() const { return components_; } // leading FLAME components
  ControlGroup* pose() const { return pose_; }
  ControlGroup* result() const { return result_; }
  LightSphere* lightSphere() const { return sphere_; }
  QPushButton* colourButton() const { return colour_; }
  QPushButton* shButton() const { return sh_; }
  QPushButton* copyLightButton() const { return copy_light_; }
  QPushButton* copyExpressionButton() const { return copy_expression_; }
  QPushButton* copyPoseButton() const { return copy_pose_; }
  QPushButton* componentsToggle() const { return components_toggle_; }
  QPushButton* generateButton() const { return generate_; }
  QPushButton* cancelButton() const { return cancel_; }
  QCheckBox* fastPreview() const { return fast_; }
  QProgressBar* generateProgress() const { return progress_; }
  QLabel* generateStatus() const { return status_; }

  // How many expression components get their own slider.
  static constexpr int kComponentSliders = 10;

  void setEditingEnabled(bool enabled);
  bool editingEnabled() const { return enabled_; }
  // Generate/Cancel and the progress bar while a generation runs.
  void setGenerating(bool running);

private:
  ControlGroup* lighting_;
  ControlGroup* expression_;
  ControlGroup* components_;
  ControlGroup* pose_;
  ControlGroup* result_;
  LightSphere* sphere_;
  QPushButton *colour_, *sh_, *copy_light_, *copy_expression_, *copy_pose_, *components_toggle_;
  QPushButton *generate_, *cancel_;
  QCheckBox* fast_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* hint_;
  bool enabled_ = true;
};

} // namespace drig::ui
