#include "tests/ui/loop_probe.h"

#include <QCoreApplication>
#include <QEvent>
#include <QMap>
#include <QMetaEnum>

#include <algorithm>
#include <ctime>

namespace drig::ui::test {
namespace {

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

QString event_name(int type) {
  const char* key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
  return key ? QString::fromLatin1(key) : QString::number(type);
}

} // namespace

LoopProbe::LoopProbe() {
  timer_.setInterval(5);
  QObject::connect(&timer_, &QTimer::timeout, this, [this] { tick(); });
}

LoopProbe::~LoopProbe() {
  stop();
}

void LoopProbe::start() {
  worst_gap_ = worst_gap_at_ = 0;
  worst_busy_ = 0;
  busiest_events_.clear();
  deliveries_.clear();
  clock_.start();
  last_ = 0;
  cpu_last_ = thread_cpu_ms();
  QCoreApplication::instance()->installEventFilter(this);
  timer_.start();
}

void LoopProbe::stop() {
  timer_.stop();
  if (QCoreApplication* app = QCoreApplication::instance())
    app->removeEventFilter(this);
}

bool LoopProbe::eventFilter(QObject* watched, QEvent* event) {
  // Only what the loop delivers between two ticks; a long gap's list stays short.
  if (deliveries_.size() < 4096)
    deliveries_.push_back({watched->metaObject()->className(), int(event->type())});
  return false;
}

void LoopProbe::tick() {
  const qint64 now = clock_.elapsed();
  const double cpu = thread_cpu_ms();
  if (cpu - cpu_last_ > worst_busy_) {
    worst_busy_ = cpu - cpu_last_;
    QMap<QString, int> counts;
    for (const Delivery& d : deliveries_)
      ++counts[QString::fromLatin1(d.receiver) + QStringLiteral("::") + event_name(d.type)];
    QStringList parts;
    for (auto it = counts.begin(); it != counts.end(); ++it)
      parts << (it.value() > 1 ? QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value()) : it.key());
    busiest_events_ = parts.join(QStringLiteral(", "));
  }
  if (now - last_ > worst_gap_) {
    worst_gap_ = now - last_;
    worst_gap_at_ = now;
  }
  deliveries_.clear();
  last_ = now;
  cpu_last_ = cpu;
}

QString LoopProbe::summary() const {
  return QStringLiteral("longest event-loop gap %1 ms (ending %2 ms after the start); most work "
                        "on the GUI thread between two probes %3 ms, delivering: %4")
      .arg(worst_gap_)
      .arg(worst_gap_at_)
      .arg(worst_busy_, 0, 'f', 1)
      .arg(busiest_events_.isEmpty() ? QStringLiteral("(nothing)") : busiest_events_);
}

} // namespace drig::ui::test
