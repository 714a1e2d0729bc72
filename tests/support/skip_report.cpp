// Linked into every GoogleTest binary: when every case it ran was skipped
// (no GPU, no ../shared, no display) and none failed, it says so in a line
// that ctest's SKIP_REGULAR_EXPRESSION turns into "Skipped" instead of
// "Passed"; a binary with some skipped cases still passes, and
// `bootstrap.sh test` lists those cases with their reasons.
#include <gtest/gtest.h>

#include <cstdio>

namespace {

class AllSkippedReport : public testing::EmptyTestEventListener {
  void OnTestProgramEnd(const testing::UnitTest& unit) override {
    if (unit.successful_test_count() == 0 && unit.failed_test_count() == 0 &&
        unit.skipped_test_count() > 0)
      std::printf("DRIG_ALL_CASES_SKIPPED: every one of the %d case(s) skipped\n",
                  unit.skipped_test_count());
  }
};

// Registered before main() runs the tests (gtest_main adds its printer later;
// the order of listeners does not matter for this line).
const bool registered = [] {
  testing::UnitTest::GetInstance()->listeners().Append(new AllSkippedReport);
  return true;
}();

} // namespace
