#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace drig {

// Shared cancel flag: the GUI or a signal handler sets it, long jobs poll it
// between units of work (an image, a diffusion step, a training step).
class CancelToken {
public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const { flag_->store(true); }
  bool cancelled() const { return flag_->load(); }
  // Throws CancelledError when cancelled.
  void check() const;

private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

struct ProgressUpdate {
  std::string stage; // e.g. "align", "train"
  int64_t done = 0;
  int64_t total = 0;         // 0 when unknown
  double eta_seconds = -1.0; // < 0 when unknown
  std::string message;       // e.g. the file being processed
  double fraction() const { return total > 0 ? double(done) / double(total) : 0.0; }
};

using ProgressCallback = std::function<void(const ProgressUpdate&)>;

// What a long job receives: where to report progress, and what to poll for
// cancellation. A default-constructed one reports nowhere and never cancels.
struct JobContext {
  ProgressCallback on_progress;
  CancelToken cancel;
};

// Counts units of work for one stage, estimates the remaining time from the
// average rate so far, and forwards updates (thread-safe; workers may call
// advance() concurrently).
class ProgressReporter {
public:
  ProgressReporter(const JobContext& job, std::string stage, int64_t total);
  void advance(int64_t units = 1, const std::string& message = {});
  // Throws CancelledError when the job was cancelled.
  void check_cancel() const { job_.cancel.check(); }
  int64_t done() const;

private:
  using Clock = std::chrono::steady_clock;
  const JobContext& job_;
  std::string stage_;
  int64_t total_;
  int64_t done_ = 0;
  Clock::time_point start_;
  mutable std::mutex mutex_;
};

// "1:05:03", "4:07", "12 s": compact durations for progress lines.
std::string format_duration(double seconds);

} // namespace drig
