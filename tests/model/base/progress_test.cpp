#include "model/base/error.h"
#include "model/base/progress.h"
#include "model/base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

// A job of many small units that polls for cancellation between units, as
// alignment and sampling do.
int64_t long_job(const drig::JobContext& job, int64_t units) {
  drig::ProgressReporter progress(job, "test", units);
  for (int64_t i = 0; i < units; ++i) {
    progress.check_cancel();
    std::this_thread::sleep_for(100us);
    progress.advance();
  }
  return progress.done();
}

} // namespace

TEST(Progress, ReportsEveryUnitWithEta) {
  drig::JobContext job;
  std::vector<drig::ProgressUpdate> updates;
  job.on_progress = [&](const drig::ProgressUpdate& u) { updates.push_back(u); };
  EXPECT_EQ(long_job(job, 20), 20);
  ASSERT_EQ(updates.size(), 21u); // the start, then one per unit
  EXPECT_EQ(updates.front().done, 0);
  EXPECT_LT(updates.front().eta_seconds, 0); // unknown before any unit
  EXPECT_EQ(updates.back().done, 20);
  EXPECT_DOUBLE_EQ(updates.back().fraction(), 1.0);
  EXPECT_GE(updates[10].eta_seconds, 0);
}

TEST(Progress, CancelStopsALongJobOnAnotherThread) {
  drig::ThreadPool pool(2);
  drig::JobContext job;
  std::atomic<int64_t> seen{0};
  job.on_progress = [&](const drig::ProgressUpdate& u) { seen = u.done; };
  const int64_t total = 1'000'000; // ~100 s if never cancelled
  auto result = pool.submit([&] { return long_job(job, total); });
  while (seen < 10)
    std::this_thread::sleep_for(1ms);
  const auto cancelled_at = std::chrono::steady_clock::now();
  job.cancel.cancel();
  EXPECT_THROW(result.get(), drig::CancelledError);
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 2s);
  EXPECT_LT(seen.load(), total);
}

TEST(Progress, CopiesOfATokenShareTheFlag) {
  drig::CancelToken token;
  const drig::CancelToken copy = token;
  EXPECT_NO_THROW(copy.check());
  token.cancel();
  EXPECT_TRUE(copy.cancelled());
  EXPECT_THROW(copy.check(), drig::CancelledError);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(drig::format_duration(12.4), "12 s");
  EXPECT_EQ(drig::format_duration(247), "4:07");
  EXPECT_EQ(drig::format_duration(3903), "1:05:03");
  EXPECT_EQ(drig::format_duration(-1), "?");
}

TEST(ThreadPool, RunsTasksAndReturnsResults) {
  drig::ThreadPool pool(2);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 100; ++i)
    results.push_back(pool.submit([i] { return i * i; }));
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(results[i].get(), i * i);
}

TEST(ThreadPool, PropagatesExceptions) {
  drig::ThreadPool pool(1);
  auto result = pool.submit([]() -> int { throw drig::Error("bad photo"); });
  EXPECT_THROW(result.get(), drig::Error);
}

TEST(ThreadPool, DiscardPendingDropsQueuedTasks) {
  drig::ThreadPool pool(1);
  std::atomic<bool> started{false}, release{false};
  auto blocker = pool.submit([&] {
    started = true;
    while (!release)
      std::this_thread::sleep_for(1ms);
  });
  while (!started)
    std::this_thread::sleep_for(1ms);
  std::atomic<int> ran{0};
  std::vector<std::future<void>> queued;
  for (int i = 0; i < 10; ++i)
    queued.push_back(pool.submit([&] { ++ran; }));
  pool.discard_pending();
  release = true;
  blocker.get();
  for (auto& f : queued)
    EXPECT_THROW(f.get(), std::future_error);
  EXPECT_EQ(ran.load(), 0);
}
