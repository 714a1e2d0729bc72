#pragma once

#include "ui/editor_controller.h"

#include <QDialog>

class QComboBox;
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

private:
  QLineEdit* folder_;
  QLineEdit* name_;
  QComboBox* format_;
  QSpinBox* quality_;
  QComboBox* depth_;
};

} // namespace drig::ui
