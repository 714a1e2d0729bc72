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

// The pool background jobs run on: their threads run at a lower priority
// (lower_thread_priority), so they are the Studio's own. Qt's global pool is
// left to Qt, which splits image scaling and conversion across it while the
// painting GUI thread waits: on a lowered thread, with the machine busy,
// those pieces waited 0.5 s and the window froze (album import under load).
class QThreadPool* background_pool();

// Runs `work` on background_pool() and then `done` on `context`'s thread.
template <class T>
QFuture<Outcome<T>> run_in_background(QObject* context, std::function<T()> work,
                                      std::function<void(const Outcome<T>&)> done) {
  auto* watcher = new QFutureWatcher<Outcome<T>>(context);
  QObject::connect(watcher, &QFutureWatcher<Outcome<T>>::finished, context, [watcher, done] {
    const Outcome<T> out = watcher->result();
    watcher->deleteLater();
    done(out);
  });
  const QFuture<Outcome<T>> future = QtConcurrent::run(background_pool(), [work] {
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
