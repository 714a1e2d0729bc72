#pragma once

// The Studio's background jobs: work runs on the thread pool over the
// libraries' JobContext, and its outcome comes back on the GUI thread, so
// the event loop never waits on it.
#include "model/base/error.h"
#include "model/base/progress.h"
#include "model/base/thread_pool.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent>

#include <functional>
#include <string>

namespace drig::ui {

class JobsPanel;

// What a background job ended with: its value, or why it has none.
template <class T>
struct Outcome {
  T value{};
  std::string error;      // the failure's message; empty when none
  bool cancelled = false; // the work threw CancelledError
};

// A JobContext whose progress lands in the Jobs table's row `row` (queued
// to `context`'s thread) and whose cancel token is `cancel`.
JobContext gui_job(QObject* context, JobsPanel* jobs, int row, const CancelToken& cancel);

// Runs `work` on the thread pool and then `done` on `context`'s thread.
template <class T>
QFuture<Outcome<T>> run_in_background(QObject* context, std::function<T()> work,
                                      std::function<void(const Outcome<T>&)> done) {
  auto* watcher = new QFutureWatcher<Outcome<T>>(context);
  QObject::connect(watcher, &QFutureWatcher<Outcome<T>>::finished, context, [watcher, done] {
    const Outcome<T> out = watcher->result();
    watcher->deleteLater();
    done(out);
  });
  const QFuture<Outcome<T>> future = QtConcurrent::run([work] {
    lower_thread_priority(); // the GUI thread comes first when every core is busy
    Outcome<T> out;
    try {
      out.value = work();
    } catch (const CancelledError&) {
      out.cancelled = true;
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    return out;
  });
  watcher->setFuture(future);
  return future;
}

} // namespace drig::ui
