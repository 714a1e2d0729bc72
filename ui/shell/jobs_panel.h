#pragma once

#include <QTabWidget>

#include <spdlog/common.h>

#include <functional>

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableWidget;

namespace drig::ui {

class EmptyState;
class TrainingChart;

// The bottom dock: running and finished jobs with their progress, the
// application log, and the personalization loss curve.
class JobsPanel : public QTabWidget {
  Q_OBJECT

public:
  enum Column { NameColumn, ProgressColumn, StatusColumn, CancelColumn };

  explicit JobsPanel(QWidget* parent = nullptr);

  QTableWidget* jobsTable() const { return jobs_; }
  QPlainTextEdit* logView() const { return log_; }
  TrainingChart* trainingChart() const { return chart_; }
  // Beside the chart: speed and time left, and the latest preview samples.
  QLabel* trainingInfo() const { return training_info_; }
  QLabel* trainingEstimate() const { return training_estimate_; }
  QLabel* trainingPreview() const { return training_preview_; }
  void showTrainingStep(qint64 step, qint64 total, double loss, double steps_per_second,
                        double eta_seconds);
  void showTrainingPreview(const QString& png);

  // Adds a job row (progress 0) and returns its row. With `on_cancel`, the
  // row has a Cancel button that calls it (until the job finishes).
  int addJob(const QString& name, const QString& status = {}, std::function<void()> on_cancel = {});
  // percent in 0..100; `status` replaces the status text when not empty.
  void setJobProgress(int row, int percent, const QString& status = {});
  // Final status (done, failed, cancelled); the Cancel button goes away.
  // `details` (an error's full text) becomes the status tooltip.
  void finishJob(int row, const QString& status, const QString& details = {});
  QString jobStatus(int row) const;

public Q_SLOTS:
  void appendLog(spdlog::level::level_enum level, const QString& text);

private:
  void updateJobsEmptyState();

  QStackedWidget* jobs_stack_;
  EmptyState* jobs_empty_;
  QTableWidget* jobs_;
  QPlainTextEdit* log_;
  TrainingChart* chart_;
  QLabel* training_info_;
  QLabel* training_estimate_;
  QLabel* training_preview_;
};

} // namespace drig::ui
