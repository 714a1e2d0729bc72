#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace drig::ui::test {

// Watches the GUI thread's event loop while it runs: a timer every 5 ms
// measures how long the loop went without coming back (the wall gap) and how
// much CPU time the GUI thread itself used in that gap (work done on it, apart
// from time the scheduler kept it waiting), and how long of the gap it was
// neither running nor waiting for a CPU (blocked: on a lock, the disk, a
// sleep), which other load on the machine does not lengthen. The events
// delivered in the busiest gap are kept, and while the loop is away for more
// than 50 ms a watcher thread notes where in the kernel the GUI thread waits
// (its wchan), so a failure says what ran and what it waited for.
class LoopProbe : public QObject {
public:
  LoopProbe();
  ~LoopProbe() override;

  // This thread's CPU time so far (ms).
  static double threadCpuMs();

  void start();
  void stop();

  // Probes taken since start(): a gap is measured at the probe that ends it,
  // so a test that held the loop waits for the next one before reading.
  int ticks() const { return ticks_; }
  qint64 worstGapMs() const { return worst_gap_; }
  qint64 worstGapAtMs() const { return worst_gap_at_; } // since start()
  double worstBusyMs() const { return worst_busy_; }
  // The longest gap less the time the thread waited in the run queue.
  double worstUnqueuedGapMs() const { return worst_unqueued_; }
  // "Receiver::event type ×count, …" for the busiest gap.
  QString busiestEvents() const { return busiest_events_; }
  // How many cores other programs kept busy between start() and stop(),
  // on average (from /proc/stat less this process's own CPU time): with
  // the machine shared, a gap measures them as much as the Studio.
  double otherLoadCores() const { return other_cores_; }
  // Other programs kept over half a core busy: timings measure them too, so
  // the tests print their figures rather than assert them.
  bool machineShared() const { return other_cores_ > 0.5; }
  // "futex_wait_queue ×12, …": the GUI thread's kernel waits seen while the
  // loop was away more than 50 ms (sampled every 10 ms); empty: none.
  QString stalledIn() const;
  QString summary() const;

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  void tick();

  struct Delivery {
    const char* receiver;
    int type;
  };
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = 0, worst_gap_ = 0, worst_gap_at_ = 0;
  int ticks_ = 0;
  double cpu_last_ = 0, worst_busy_ = 0, queued_last_ = 0, worst_unqueued_ = 0;
  double other_cores_ = 0;
  unsigned long long machine_busy_start_ = 0, self_start_ = 0;
  std::vector<Delivery> deliveries_;
  QString busiest_events_;
  // The watcher.
  void watch();
  std::atomic<bool> watching_{false};
  std::atomic<qint64> last_tick_ms_{0};
  int gui_tid_ = 0;
  std::thread watcher_;
  mutable std::mutex waits_mutex_;
  std::map<std::string, int> waits_;
};

} // namespace drig::ui::test
