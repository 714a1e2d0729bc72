#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <vector>

namespace drig::ui::test {

// Watches the GUI thread's event loop while it runs: a timer every 5 ms
// measures how long the loop went without coming back (the wall gap) and how
// much CPU time the GUI thread itself used in that gap (work done on it, apart
// from time the scheduler kept it waiting). The events delivered in the
// busiest gap are kept, so a failure says what ran.
class LoopProbe : public QObject {
public:
  LoopProbe();
  ~LoopProbe() override;

  void start();
  void stop();

  qint64 worstGapMs() const { return worst_gap_; }
  qint64 worstGapAtMs() const { return worst_gap_at_; } // since start()
  double worstBusyMs() const { return worst_busy_; }
  // "Receiver::event type ×count, …" for the busiest gap.
  QString busiestEvents() const { return busiest_events_; }
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
  double cpu_last_ = 0, worst_busy_ = 0;
  std::vector<Delivery> deliveries_;
  QString busiest_events_;
};

} // namespace drig::ui::test
