#pragma once

#include <QDialog>

class QLabel;

namespace drig::ui {

// Help > About: name, version, licences, and the library versions in use.
class AboutDialog : public QDialog {
  Q_OBJECT

public:
  explicit AboutDialog(QWidget* parent = nullptr);

  QLabel* versionLabel() const { return version_; }
  QLabel* licenceLabel() const { return licence_; }
  QLabel* librariesLabel() const { return libraries_; }

private:
  QLabel* version_;
  QLabel* licence_;
  QLabel* libraries_;
};

} // namespace drig::ui
