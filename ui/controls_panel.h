#pragma once

#include <QWidget>

class QLabel;

namespace drig::ui {

class ControlGroup;

// The right dock: the physical edits DiffusionRig conditions on, grouped as
// Lighting (spherical-harmonics light), Expression and Pose (FLAME).
// Disabled until a portrait is selected.
class ControlsPanel : public QWidget {
  Q_OBJECT

public:
  explicit ControlsPanel(QWidget* parent = nullptr);

  ControlGroup* lighting() const { return lighting_; }
  ControlGroup* expression() const { return expression_; }
  ControlGroup* pose() const { return pose_; }

  void setEditingEnabled(bool enabled);
  bool editingEnabled() const { return enabled_; }

private:
  ControlGroup* lighting_;
  ControlGroup* expression_;
  ControlGroup* pose_;
  QLabel* hint_;
  bool enabled_ = true;
};

} // namespace drig::ui
