#include "model/base/atomic_file.h"
#include "model/base/load_once.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace drig;

TEST(LoadOnce, SharesOneLoadPerFileVersionAndVariant) {
  test::TempDir dir("load-once");
  const fs::path file = dir / "model.bin";
  write_file_atomic(file, "first");
  int loads = 0;
  const auto load = [&] {
    ++loads;
    count_load("load-once test");
    return std::make_shared<const std::string>(read_file(file));
  };
  const int counted = load_count("load-once test");
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<const std::string>> got(4);
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = load_once<std::string>(file, "cpu", load); });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(loads, 1) << "concurrent callers wait for the one load";
  for (const auto& g : got)
    EXPECT_EQ(g.get(), got[0].get());
  EXPECT_EQ(*got[0], "first");
  EXPECT_EQ(load_count("load-once test") - counted, 1);

  EXPECT_EQ(load_once<std::string>(dir / "." / "model.bin", "cpu", load).get(), got[0].get())
      << "another spelling of the same path";
  load_once<std::string>(file, "cuda:0", load);
  EXPECT_EQ(loads, 2) << "another variant is another instance";

  write_file_atomic(file, "second, longer"); // the file changes: loaded again
  EXPECT_EQ(*load_once<std::string>(file, "cpu", load), "second, longer");
  EXPECT_EQ(loads, 3);
}

TEST(LoadOnce, StampsAFileByPathSizeAndTime) {
  test::TempDir dir("load-once-stamp");
  const fs::path file = dir / "a.txt";
  write_file_atomic(file, "abc");
  const std::string s = file_stamp(file);
  EXPECT_NE(s.find("|3|"), std::string::npos) << s;
  EXPECT_EQ(file_stamp(dir / "missing").substr(file_stamp(dir / "missing").find('|')), "|0|0");
}
