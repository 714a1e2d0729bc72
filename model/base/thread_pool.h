#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace drig {

// Lowers the calling thread's scheduling priority (Linux: nice +10; elsewhere
// nothing) for background work next to a GUI: with every core busy the GUI
// thread would otherwise wait its turn for tens of ms. Threads it starts later
// inherit the priority. It cannot be raised again without privileges, so call
// it only on threads that do nothing but background work.
void lower_thread_priority();

// A fixed set of worker threads for CPU work outside LibTorch (decoding
// photos, landmarks, LMDB encoding). Tasks run in submission order.
class ThreadPool {
public:
  // threads <= 0 means one per hardware core.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool(); // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  template <typename F>
  auto submit(F&& task) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto packaged = std::make_shared<std::packaged_task<R()>>(std::forward<F>(task));
    std::future<R> result = packaged->get_future();
    enqueue([packaged] { (*packaged)(); });
    return result;
  }

  // Drops tasks not yet started (their futures report broken_promise).
  void discard_pending();
  int size() const { return static_cast<int>(workers_.size()); }

private:
  void enqueue(std::function<void()> task);
  void run();

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// Cores to use by default: hardware_concurrency(), at least 1.
int default_thread_count();

} // namespace drig
