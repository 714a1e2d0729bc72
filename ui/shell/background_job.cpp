#include "ui/shell/background_job.h"

#include "ui/shell/jobs_panel.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <mutex>

namespace drig::ui {

QThreadPool* background_pool() {
  static std::mutex mutex;
  static QPointer<QThreadPool> pool;
  std::lock_guard lock(mutex);
  if (!pool) {
    // Owned by the application, which waits for its jobs when it goes, as
    // it does for Qt's global pool. Jobs are long (alignment, training,
    // sampling): a few more threads than cores keep a thumbnail from
    // queueing behind two of them.
    pool = new QThreadPool(QCoreApplication::instance());
    pool->setObjectName(QStringLiteral("drig-background-jobs"));
    pool->setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
  }
  return pool;
}

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
