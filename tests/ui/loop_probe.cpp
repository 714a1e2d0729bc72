#include "tests/ui/loop_probe.h"

#include <QCoreApplication>
#include <QEvent>
#include <QMap>
#include <QMetaEnum>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include <sys/syscall.h>
#include <unistd.h>

namespace drig::ui::test {
namespace {

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// How long this thread has waited in the scheduler's run queue (the second
// field of /proc/thread-self/schedstat, ns); 0 where the kernel has no schedstat.
double thread_queued_ms() {
  std::FILE* f = std::fopen("/proc/thread-self/schedstat", "r");
  if (!f)
    return 0;
  unsigned long long running = 0, waiting = 0;
  const int n = std::fscanf(f, "%llu %llu", &running, &waiting);
  std::fclose(f);
  return n == 2 ? double(waiting) / 1e6 : 0;
}

// Clock ticks every CPU spent busy (user, nice, system, irq, softirq, steal).
unsigned long long machine_busy_ticks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return in ? user + nice + system + irq + softirq + steal : 0;
}

// Clock ticks this process used (every thread: user + system).
unsigned long long self_ticks() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  // Fields after the command name (which may hold spaces): state is field 3;
  // utime and stime are fields 14 and 15.
  const size_t close = line.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 13 && rest >> field; ++i) {
  }
  rest >> utime >> stime;
  return utime + stime;
}

QString event_name(int type) {
  const char* key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
  return key ? QString::fromLatin1(key) : QString::number(type);
}

} // namespace

double LoopProbe::threadCpuMs() {
  return thread_cpu_ms();
}

LoopProbe::LoopProbe() {
  timer_.setInterval(5);
  QObject::connect(&timer_, &QTimer::timeout, this, [this] { tick(); });
}

LoopProbe::~LoopProbe() {
  stop();
}

void LoopProbe::start() {
  worst_gap_ = worst_gap_at_ = 0;
  ticks_ = 0;
  worst_busy_ = worst_unqueued_ = 0;
  busiest_events_.clear();
  deliveries_.clear();
  clock_.start();
  last_ = 0;
  cpu_last_ = thread_cpu_ms();
  queued_last_ = thread_queued_ms();
  QCoreApplication::instance()->installEventFilter(this);
  {
    std::lock_guard lock(waits_mutex_);
    waits_.clear();
  }
  gui_tid_ = int(::syscall(SYS_gettid));
  other_cores_ = 0;
  machine_busy_start_ = machine_busy_ticks();
  self_start_ = self_ticks();
  last_tick_ms_ = 0;
  watching_ = true;
  watcher_ = std::thread([this] { watch(); });
  timer_.start();
}

void LoopProbe::watch() {
  const std::string wchan = "/proc/self/task/" + std::to_string(gui_tid_) + "/wchan";
  while (watching_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (clock_.elapsed() - last_tick_ms_ <= 50)
      continue;
    std::ifstream in(wchan);
    std::string where;
    std::getline(in, where);
    if (where.empty() || where == "0")
      where = "running";
    std::lock_guard lock(waits_mutex_);
    ++waits_[where];
  }
}

QString LoopProbe::stalledIn() const {
  std::lock_guard lock(waits_mutex_);
  QStringList parts;
  for (const auto& [where, count] : waits_)
    parts << QStringLiteral("%1 ×%2").arg(QString::fromStdString(where)).arg(count);
  return parts.join(QStringLiteral(", "));
}

void LoopProbe::stop() {
  if (timer_.isActive() && clock_.elapsed() > 0) {
    const double ticks_per_ms = double(sysconf(_SC_CLK_TCK)) / 1000.0;
    const double others =
        double(machine_busy_ticks() - machine_busy_start_) - double(self_ticks() - self_start_);
    other_cores_ = std::max(0.0, others / (double(clock_.elapsed()) * ticks_per_ms));
  }
  timer_.stop();
  watching_ = false;
  if (watcher_.joinable())
    watcher_.join();
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
  const double cpu = thread_cpu_ms(), queued = thread_queued_ms();
  worst_unqueued_ = std::max(worst_unqueued_, double(now - last_) - (queued - queued_last_));
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
  ++ticks_;
  last_ = now;
  last_tick_ms_ = now;
  cpu_last_ = cpu;
  queued_last_ = queued;
}

QString LoopProbe::summary() const {
  return QStringLiteral("longest event-loop gap %1 ms (ending %2 ms after the start), %5 ms "
                        "without the time spent waiting for a CPU; most work on the GUI thread "
                        "between two probes %3 ms, delivering: %4")
             .arg(worst_gap_)
             .arg(worst_gap_at_)
             .arg(worst_busy_, 0, 'f', 1)
             .arg(busiest_events_.isEmpty() ? QStringLiteral("(nothing)") : busiest_events_)
             .arg(worst_unqueued_, 0, 'f', 1) +
         QStringLiteral("; other programs kept %1 core(s) busy").arg(other_cores_, 0, 'f', 2) +
         (stalledIn().isEmpty()
              ? QString()
              : QStringLiteral("; while away over 50 ms the GUI thread was in: ") + stalledIn());
}

} // namespace drig::ui::test
