#pragma once

#include "ui/editor/editor_controller.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace drig::ui {

// File → Export Edited Photos: where, how named, which format, quality and
// bit depth. The pixels are the editing engine's paste-back at the
// photo's full resolution, with its EXIF and colour profile.
class ExportDialog : public QDialog {
  Q_OBJECT

public:
  ExportDialog(int photos, const QString& folder, QWidget* parent = nullptr);
  ExportOptions options() const;
  // What stops the export, one problem per line; empty when it can start.
  QLabel* problemsLabel() const { return problems_; }

private:
  void validate();

  int photos_;
  QLabel* problems_;
  QLineEdit* folder_;
  QLineEdit* name_;
  QComboBox* format_;
  QSpinBox* quality_;
  QComboBox* depth_;
};

} // namespace drig::ui
