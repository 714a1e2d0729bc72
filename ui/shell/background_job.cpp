#include "ui/shell/background_job.h"

#include "ui/shell/jobs_panel.h"

namespace drig::ui {

JobContext gui_job(QObject* context, JobsPanel* jobs, int row, const CancelToken& cancel) {
  JobContext ctx;
  ctx.cancel = cancel;
  ctx.on_progress = [context, jobs, row](const ProgressUpdate& u) {
    const int percent = int(u.fraction() * 100);
    QString status = QObject::tr("%1/%2").arg(u.done).arg(u.total);
    if (u.eta_seconds >= 0)
      status +=
          QObject::tr(", %1 left").arg(QString::fromStdString(format_duration(u.eta_seconds)));
    QMetaObject::invokeMethod(
        context, [jobs, row, percent, status] { jobs->setJobProgress(row, percent, status); },
        Qt::QueuedConnection);
  };
  return ctx;
}

} // namespace drig::ui
