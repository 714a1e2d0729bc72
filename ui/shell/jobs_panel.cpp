#include "ui/shell/jobs_panel.h"

#include "ui/album/training_chart.h"
#include "ui/shell/empty_state.h"

#include <QLineSeries>
#include <QValueAxis>

#include "model/base/progress.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTime>
#include <QVBoxLayout>

namespace drig::ui {

namespace {
constexpr int kMaxLogLines = 5000;

QString level_name(spdlog::level::level_enum level) {
  const auto name = spdlog::level::to_string_view(level);
  return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}
} // namespace

JobsPanel::JobsPanel(QWidget* parent)
    : QTabWidget(parent), jobs_stack_(new QStackedWidget),
      jobs_empty_(new EmptyState(tr("No jobs yet"),
                                 tr("Face alignment, model fitting and personalization run here "
                                    "in the background, with their progress."))),
      jobs_(new QTableWidget(0, 4)), log_(new QPlainTextEdit), chart_(new TrainingChart),
      training_info_(new QLabel), training_estimate_(new QLabel), training_preview_(new QLabel) {
  setObjectName(QStringLiteral("jobsTabs"));
  jobs_->setObjectName(QStringLiteral("jobsTable"));
  log_->setObjectName(QStringLiteral("logView"));
  jobs_empty_->setObjectName(QStringLiteral("jobsEmptyState"));
  setDocumentMode(true);

  jobs_->setHorizontalHeaderLabels({tr("Job"), tr("Progress"), tr("Status"), QString()});
  jobs_->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Interactive);
  jobs_->horizontalHeader()->setSectionResizeMode(ProgressColumn, QHeaderView::Interactive);
  jobs_->horizontalHeader()->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
  jobs_->horizontalHeader()->setSectionResizeMode(CancelColumn, QHeaderView::ResizeToContents);
  jobs_->setColumnWidth(NameColumn, 260);
  jobs_->setColumnWidth(ProgressColumn, 200);
  jobs_->verticalHeader()->hide();
  jobs_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  jobs_->setSelectionBehavior(QAbstractItemView::SelectRows);
  jobs_stack_->addWidget(jobs_empty_);
  jobs_stack_->addWidget(jobs_);

  log_->setReadOnly(true);
  log_->setMaximumBlockCount(kMaxLogLines);
  log_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
  log_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  log_->setPlaceholderText(tr("Messages from DiffusionRig Studio appear here."));

  addTab(jobs_stack_, tr("Jobs"));
  addTab(log_, tr("Log"));
  training_info_->setObjectName(QStringLiteral("trainingInfo"));
  training_preview_->setObjectName(QStringLiteral("trainingPreview"));
  training_info_->setText(tr("Model → Personalize trains on this album; the loss appears here."));
  training_info_->setWordWrap(true);
  training_preview_->setAlignment(Qt::AlignCenter);
  training_preview_->setMinimumWidth(160);
  auto* training = new QWidget;
  auto* side = new QVBoxLayout;
  side->addWidget(training_info_);
  training_estimate_->setObjectName(QStringLiteral("trainingEstimate"));
  training_estimate_->setWordWrap(true);
  side->addWidget(training_estimate_);
  side->addWidget(training_preview_, 1);
  auto* row = new QHBoxLayout(training);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(chart_, 3);
  row->addLayout(side, 1);
  addTab(training, tr("Training"));
  updateJobsEmptyState();
}

int JobsPanel::addJob(const QString& name, const QString& status, std::function<void()> on_cancel) {
  const int row = jobs_->rowCount();
  jobs_->insertRow(row);
  jobs_->setItem(row, NameColumn, new QTableWidgetItem(name));
  auto* bar = new QProgressBar;
  bar->setRange(0, 100);
  bar->setValue(0);
  jobs_->setCellWidget(row, ProgressColumn, bar);
  jobs_->setItem(row, StatusColumn, new QTableWidgetItem(status.isEmpty() ? tr("Queued") : status));
  if (on_cancel) {
    auto* cancel = new QPushButton(tr("Cancel"));
    cancel->setObjectName(QStringLiteral("jobCancel%1").arg(row));
    cancel->setToolTip(tr("Stop this job; what it finished is kept"));
    connect(cancel, &QPushButton::clicked, this, [this, row, cancel, on_cancel] {
      cancel->setEnabled(false);
      setJobProgress(row, -1, tr("Cancelling…"));
      on_cancel();
    });
    jobs_->setCellWidget(row, CancelColumn, cancel);
  }
  jobs_->scrollToBottom();
  updateJobsEmptyState();
  return row;
}

void JobsPanel::setJobProgress(int row, int percent, const QString& status) {
  if (row < 0 || row >= jobs_->rowCount())
    return;
  if (auto* bar = qobject_cast<QProgressBar*>(jobs_->cellWidget(row, ProgressColumn));
      bar && percent >= 0)
    bar->setValue(std::clamp(percent, 0, 100));
  if (!status.isEmpty())
    jobs_->item(row, StatusColumn)->setText(status);
}

void JobsPanel::finishJob(int row, const QString& status, const QString& details) {
  if (row < 0 || row >= jobs_->rowCount())
    return;
  jobs_->item(row, StatusColumn)->setText(status);
  jobs_->item(row, StatusColumn)->setToolTip(details);
  jobs_->removeCellWidget(row, CancelColumn);
}

void JobsPanel::showTrainingStep(qint64 step, qint64 total, double loss, double steps_per_second,
                                 double eta_seconds) {
  if (total > 0 && chart_->series()->count() == 0)
    chart_->stepAxis()->setRange(0, double(total)); // the whole run in view from the start
  chart_->addPoint(double(step), loss);
  training_info_->setText(tr("Step %1 of %2\nloss %3\n%4 steps/s\n%5 left")
                              .arg(step)
                              .arg(total)
                              .arg(loss, 0, 'f', 4)
                              .arg(steps_per_second, 0, 'f', 2)
                              .arg(eta_seconds >= 0
                                       ? QString::fromStdString(format_duration(eta_seconds))
                                       : tr("unknown")));
}

void JobsPanel::showTrainingPreview(const QString& png) {
  const QPixmap pixmap(png);
  if (!pixmap.isNull())
    training_preview_->setPixmap(
        pixmap.scaled(320, 160, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  training_preview_->setToolTip(png);
}

QString JobsPanel::jobStatus(int row) const {
  return row >= 0 && row < jobs_->rowCount() ? jobs_->item(row, StatusColumn)->text() : QString();
}

void JobsPanel::appendLog(spdlog::level::level_enum level, const QString& text) {
  log_->appendPlainText(QStringLiteral("%1  %2  %3")
                            .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")),
                                 level_name(level).leftJustified(7), text));
}

void JobsPanel::updateJobsEmptyState() {
  jobs_stack_->setCurrentWidget(jobs_->rowCount() == 0 ? static_cast<QWidget*>(jobs_empty_)
                                                       : jobs_);
}

} // namespace drig::ui
