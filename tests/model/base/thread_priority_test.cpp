#include "model/base/thread_pool.h"

#include <gtest/gtest.h>

#include <thread>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {
int own_nice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}
} // namespace

TEST(ThreadPriority, BackgroundWorkRunsBelowTheGuiThreadAndItsThreadsInheritIt) {
  const int gui = own_nice();
  int worker = 0, child = 0;
  std::thread t([&] {
    drig::lower_thread_priority();
    worker = own_nice();
    std::thread c([&] { child = own_nice(); }); // e.g. an album's alignment workers
    c.join();
  });
  t.join();
  EXPECT_EQ(own_nice(), gui) << "only the calling thread is lowered";
  EXPECT_EQ(worker, std::max(gui, 10));
  EXPECT_EQ(child, worker);
}
#endif
