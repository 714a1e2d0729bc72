#include "model/base/progress.h"

#include "model/base/error.h"

#include <fmt/format.h>

#include <cmath>

namespace drig {

void CancelToken::check() const {
  if (cancelled())
    throw CancelledError();
}

ProgressReporter::ProgressReporter(const JobContext& job, std::string stage, int64_t total)
    : job_(job), stage_(std::move(stage)), total_(total), start_(Clock::now()) {
  if (job_.on_progress)
    job_.on_progress(ProgressUpdate{stage_, 0, total_, -1.0, {}});
}

void ProgressReporter::advance(int64_t units, const std::string& message) {
  ProgressUpdate update;
  {
    std::lock_guard lock(mutex_);
    done_ += units;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    double eta = -1.0;
    if (total_ > 0 && done_ > 0)
      eta = elapsed / double(done_) * double(std::max<int64_t>(total_ - done_, 0));
    update = ProgressUpdate{stage_, done_, total_, eta, message};
  }
  if (job_.on_progress)
    job_.on_progress(update);
}

int64_t ProgressReporter::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

std::string format_duration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds))
    return "?";
  const auto total = static_cast<int64_t>(std::llround(seconds));
  if (total < 60)
    return fmt::format("{} s", total);
  const int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  if (h > 0)
    return fmt::format("{}:{:02}:{:02}", h, m, s);
  return fmt::format("{}:{:02}", m, s);
}

} // namespace drig
