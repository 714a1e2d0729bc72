#pragma once

#include "ui/album/project_controller.h"

#include <QDialog>

#include <filesystem>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace drig::ui {

// Model → Personalize: checks the model files (saying precisely what is
// missing and where to get it), picks the Stage 1 checkpoint, and offers
// the paper's Stage 2 defaults in an Advanced group.
class PersonalizeDialog : public QDialog {
  Q_OBJECT
public:
  PersonalizeDialog(const std::filesystem::path& assets_dir, int usable_photos,
                    QWidget* parent = nullptr);
  PersonalizeOptions options() const;
  QLabel* assetsReport() const { return assets_; }
  // The expected training time on this machine, or how it will be measured.
  QLabel* timeEstimate() const { return estimate_; }
  // The folder in use (changed with the dialog's "Model files folder…").
  const std::filesystem::path& assetsDir() const { return assets_dir_; }
  bool assetsDirChanged() const { return assets_changed_; }

private:
  void validate();
  void updateEstimate();
  std::filesystem::path assets_dir_;
  QLabel* assets_;
  QLineEdit* stage1_;
  QLineEdit* person_;
  bool assets_changed_ = false;
  QSpinBox* steps_;
  QSpinBox* batch_;
  QDoubleSpinBox* lr_;
  QComboBox* device_;
  QSpinBox* image_size_;
  QSpinBox* preview_;
  QLabel* photos_;
  QLabel* estimate_;
  int usable_;
};

} // namespace drig::ui
