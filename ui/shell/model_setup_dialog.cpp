#include "ui/shell/model_setup_dialog.h"

#include "model/base/assets.h"
#include "model/base/progress.h"
#include "training/setup/asset_install.h"
#include "ui/shell/background_job.h"

#include <QDialogButtonBox>

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace fs = std::filesystem;

namespace drig::ui {
namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

enum Column { kFile, kPurpose, kStatus, kHow, kColumns };

} // namespace

ModelSetupDialog::ModelSetupDialog(fs::path assets_dir, QWidget* parent)
    : QDialog(parent), assets_dir_(std::move(assets_dir)), folder_(new QLabel),
      table_(new QTableWidget(0, kColumns)), log_(new QPlainTextEdit), progress_(new QProgressBar),
      add_files_(new QPushButton(tr("Add &Files…"))),
      add_folder_(new QPushButton(tr("Add F&older…"))), cancel_(new QPushButton(tr("Cancel"))),
      cancel_token_(std::make_unique<CancelToken>()) {
  setObjectName(QStringLiteral("modelSetupDialog"));
  setWindowTitle(tr("Set Up Models"));
  setAcceptDrops(true);
  auto* intro = new QLabel(
      tr("Drop the model files here as you downloaded them — FLAME2020.zip, the FLAME texture "
         "space zip, deca_model.tar, DECA's data folder or its zip, the Stage 1 checkpoint "
         "under any name. Each file is recognised by its content; only the files needed are "
         "installed, and a good installed file is never replaced by a damaged one."));
  intro->setWordWrap(true);
  folder_->setObjectName(QStringLiteral("modelFolder"));
  folder_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  folder_->setText(tr("Model files folder: %1").arg(qs(assets_dir_.string())));

  table_->setObjectName(QStringLiteral("assetTable"));
  table_->setHorizontalHeaderLabels(
      {tr("File"), tr("What it is"), tr("Status"), tr("Where to get it")});
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->setWordWrap(true);
  table_->horizontalHeader()->setSectionResizeMode(kHow, QHeaderView::Stretch);

  log_->setObjectName(QStringLiteral("setupReport"));
  log_->setReadOnly(true);
  log_->setPlaceholderText(tr("What was found in the files you give appears here."));
  log_->setMaximumHeight(150);
  progress_->setObjectName(QStringLiteral("setupProgress"));
  progress_->setVisible(false);
  cancel_->setObjectName(QStringLiteral("setupCancel"));
  cancel_->setVisible(false);
  add_files_->setObjectName(QStringLiteral("setupAddFiles"));
  add_folder_->setObjectName(QStringLiteral("setupAddFolder"));

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(add_files_, &QPushButton::clicked, this, [this] {
    auto* pick = new QFileDialog(this, tr("Downloaded model files"));
    pick->setFileMode(QFileDialog::ExistingFiles);
    pick->setAttribute(Qt::WA_DeleteOnClose);
    connect(pick, &QFileDialog::filesSelected, this, &ModelSetupDialog::install);
    pick->open();
  });
  connect(add_folder_, &QPushButton::clicked, this, [this] {
    auto* pick = new QFileDialog(this, tr("Folder with the downloaded model files"));
    pick->setFileMode(QFileDialog::Directory);
    pick->setAttribute(Qt::WA_DeleteOnClose);
    connect(pick, &QFileDialog::fileSelected, this, [this](const QString& dir) { install({dir}); });
    pick->open();
  });
  connect(cancel_, &QPushButton::clicked, this, [this] { cancel_token_->cancel(); });

  auto* row = new QHBoxLayout;
  row->addWidget(add_files_);
  row->addWidget(add_folder_);
  row->addStretch();
  row->addWidget(progress_);
  row->addWidget(cancel_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(folder_);
  layout->addWidget(table_, 1);
  layout->addLayout(row);
  layout->addWidget(log_);
  layout->addWidget(buttons);
  resize(900, 560);
  refreshTable();
}

ModelSetupDialog::~ModelSetupDialog() {
  cancel_token_->cancel(); // a running install stops at its next file
}

void ModelSetupDialog::refreshTable() {
  const AssetReport report = validate_assets(assets_dir_);
  table_->setRowCount(int(report.files.size()));
  for (int r = 0; r < int(report.files.size()); ++r) {
    const AssetStatus& s = report.files[size_t(r)];
    const std::string& name = s.spec->file_name;
    QString status;
    QColor colour;
    switch (s.state) {
    case AssetStatus::State::Present:
      status = tr("Installed");
      colour = QColor(0x2e, 0x7d, 0x32);
      break;
    case AssetStatus::State::Missing:
      status = s.spec->required ? tr("Missing") : tr("Not installed (optional)");
      colour = s.spec->required ? QColor(0xc6, 0x28, 0x28) : QColor(0x75, 0x75, 0x75);
      break;
    case AssetStatus::State::WrongFormat:
      status = tr("Damaged or wrong file");
      colour = QColor(0xc6, 0x28, 0x28);
      break;
    }
    const auto item = [](const QString& text) {
      auto* i = new QTableWidgetItem(text);
      i->setToolTip(text);
      return i;
    };
    table_->setItem(r, kFile, item(qs(name)));
    table_->setItem(r, kPurpose, item(qs(s.spec->purpose)));
    QTableWidgetItem* st = item(status);
    st->setForeground(colour);
    if (const setup::LicenceNote* note = setup::licence_for(name))
      st->setToolTip(qs(note->title + ": " + note->text));
    table_->setItem(r, kStatus, st);
    table_->setItem(
        r, kHow,
        item(s.state == AssetStatus::State::Present ? QString() : qs(setup::how_to_get(name))));
  }
  table_->resizeColumnsToContents();
  table_->setColumnWidth(kPurpose, std::min(table_->columnWidth(kPurpose), 230));
  table_->horizontalHeader()->setSectionResizeMode(kHow, QHeaderView::Stretch);
  table_->resizeRowsToContents();
}

void ModelSetupDialog::setBusy(bool busy) {
  busy_ = busy;
  add_files_->setEnabled(!busy);
  add_folder_->setEnabled(!busy);
  progress_->setVisible(busy);
  cancel_->setVisible(busy);
  progress_->setRange(0, 0);
}

void ModelSetupDialog::install(const QStringList& paths) {
  if (paths.isEmpty() || busy_)
    return;
  log_->appendPlainText(tr("Looking at %n item(s)…", nullptr, int(paths.size())));
  run(paths, {});
}

void ModelSetupDialog::run(const QStringList& paths, const std::vector<std::string>& accept) {
  setBusy(true);
  *cancel_token_ = CancelToken();
  setup::InstallOptions o;
  o.assets_dir = assets_dir_;
  o.accept_licences = accept;
  for (const QString& p : paths)
    o.inputs.emplace_back(p.toStdString());
  JobContext job;
  job.cancel = *cancel_token_;
  QPointer<QProgressBar> bar = progress_;
  job.on_progress = [bar](const ProgressUpdate& u) {
    QMetaObject::invokeMethod(
        bar,
        [bar, u] {
          if (bar && u.total > 0) {
            bar->setRange(0, int(u.total));
            bar->setValue(int(u.done));
          }
        },
        Qt::QueuedConnection);
  };
  const bool confirmed = !accept.empty();
  run_in_background<setup::InstallReport>(
      this, [o, job] { return setup::install_assets(o, job); },
      [this, paths, confirmed](const Outcome<setup::InstallReport>& out) {
        setBusy(false);
        if (out.cancelled)
          log_->appendPlainText(tr("Cancelled: the files installed before stay, nothing is "
                                   "half-written."));
        else if (!out.error.empty())
          log_->appendPlainText(tr("Error: %1").arg(qs(out.error)));
        else
          finish(paths, out.value, confirmed);
        refreshTable();
        Q_EMIT installFinished();
      });
}

void ModelSetupDialog::finish(const QStringList& paths, const setup::InstallReport& report,
                              bool confirmed) {
  if (!report.licences_needed.empty() && !confirmed) {
    QString text = tr("These files come under their own licences. Install them only if you "
                      "accept them:");
    for (const std::string& id : report.licences_needed)
      for (const setup::LicenceNote& note : setup::licence_notes())
        if (note.id == id)
          text += QStringLiteral("\n\n%1\n%2").arg(qs(note.title), qs(note.text));
    licence_box_ = new QMessageBox(QMessageBox::Question, tr("Model Licences"), text,
                                   QMessageBox::Yes | QMessageBox::No, this);
    licence_box_->setObjectName(QStringLiteral("licenceBox"));
    licence_box_->button(QMessageBox::Yes)->setText(tr("I Accept"));
    licence_box_->setAttribute(Qt::WA_DeleteOnClose);
    const std::vector<std::string> ids = report.licences_needed;
    connect(licence_box_, &QMessageBox::finished, this, [this, paths, ids](int result) {
      licence_box_ = nullptr;
      if (result == QMessageBox::Yes)
        run(paths, ids);
      else
        log_->appendPlainText(tr("Nothing was installed: the licences were not accepted."));
    });
    licence_box_->open();
    return;
  }
  for (const setup::FoundFile& f : report.found)
    log_->appendPlainText(f.asset.empty() ? tr("Skipped %1 — %2").arg(qs(f.origin), qs(f.reason))
                                          : tr("Found %1 in %2").arg(qs(f.asset), qs(f.origin)));
  for (const std::string& a : report.installed)
    log_->appendPlainText(tr("Installed %1").arg(qs(a)));
  for (const std::string& a : report.unchanged)
    log_->appendPlainText(tr("%1 was already installed").arg(qs(a)));
  for (const std::string& a : report.kept)
    log_->appendPlainText(
        tr("Kept the installed %1: it is good and differs from the one given").arg(qs(a)));
  QStringList missing;
  for (const std::string& a : report.missing)
    missing << qs(a);
  log_->appendPlainText(report.missing.empty()
                            ? tr("Every required model file is installed.")
                            : tr("Still missing: %1 (the table says where to get each)")
                                  .arg(missing.join(QStringLiteral(", "))));
  if (!report.installed.empty())
    Q_EMIT modelsChanged();
}

void ModelSetupDialog::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() && !busy_)
    event->acceptProposedAction();
}

void ModelSetupDialog::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile())
      paths << url.toLocalFile();
  event->acceptProposedAction();
  install(paths);
}

} // namespace drig::ui
