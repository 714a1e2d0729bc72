#pragma once

#include <QDialog>
#include <QStringList>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

class QLabel;
class QMessageBox;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace drig {
class CancelToken;
namespace setup {
struct InstallReport;
}
} // namespace drig

namespace drig::ui {

// Help → Set Up Models…, and the first start without models: the user drops
// the files as downloaded (zips, folders, any names); each needed file is
// found by its content and installed into the model files folder, after the
// user confirms each licence once. The table says what is installed, what is
// missing, and exactly where to get it. Installs run in the background with
// progress and Cancel.
class ModelSetupDialog : public QDialog {
  Q_OBJECT
public:
  explicit ModelSetupDialog(std::filesystem::path assets_dir, QWidget* parent = nullptr);
  ~ModelSetupDialog() override;

  // Installs from these files, archives or folders (as dropping them does).
  void install(const QStringList& paths);
  bool busy() const { return busy_; }
  QTableWidget* assetTable() const { return table_; }
  QPlainTextEdit* report() const { return log_; }
  // The licence confirmation while it is open (nullptr otherwise).
  QMessageBox* licenceBox() const { return licence_box_; }

Q_SIGNALS:
  void installFinished(); // one install run ended and its report is shown
  void modelsChanged();   // files were installed

protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void run(const QStringList& paths, const std::vector<std::string>& accept);
  void finish(const QStringList& paths, const setup::InstallReport& report, bool confirmed);
  void refreshTable();
  void setBusy(bool busy);

  std::filesystem::path assets_dir_;
  QLabel* folder_;
  QTableWidget* table_;
  QPlainTextEdit* log_;
  QProgressBar* progress_;
  QPushButton* add_files_;
  QPushButton* add_folder_;
  QPushButton* cancel_;
  QMessageBox* licence_box_ = nullptr;
  std::unique_ptr<CancelToken> cancel_token_;
  bool busy_ = false;
};

} // namespace drig::ui
