// Linked into every GoogleTest binary instead of gtest_main (see
// test_main.h). It also reports a binary whose cases all skipped (no GPU, no
// ../shared, no display) and none failed, in a line that ctest's
// SKIP_REGULAR_EXPRESSION turns into "Skipped" instead of "Passed"; a
// binary with some skipped cases still passes, and `bootstrap.sh test`
// lists those cases with their reasons.
#include "tests/support/test_main.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <locale>
#include <vector>

namespace drig::test {
namespace {

std::vector<TestMainHooks>& hooks() {
  static std::vector<TestMainHooks> all;
  return all;
}

class AllSkippedReport : public testing::EmptyTestEventListener {
  void OnTestProgramEnd(const testing::UnitTest& unit) override {
    if (unit.successful_test_count() == 0 && unit.failed_test_count() == 0 &&
        unit.skipped_test_count() > 0)
      std::printf("DRIG_ALL_CASES_SKIPPED: every one of the %d case(s) skipped\n",
                  unit.skipped_test_count());
  }
};

class ReseedEachCase : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo&) override {
    std::srand(kTestSeed);
    for (const TestMainHooks& h : hooks())
      if (h.each_case)
        h.each_case();
  }
};

} // namespace

bool register_test_main_hooks(TestMainHooks h) {
  hooks().push_back(h);
  return true;
}

} // namespace drig::test

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C");
  std::locale::global(std::locale::classic());
  testing::InitGoogleTest(&argc, argv);
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  listeners.Append(new drig::test::AllSkippedReport);
  listeners.Append(new drig::test::ReseedEachCase);
  for (const drig::test::TestMainHooks& h : drig::test::hooks())
    if (h.process)
      h.process();
  return RUN_ALL_TESTS();
}
