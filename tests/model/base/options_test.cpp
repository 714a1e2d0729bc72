#include "model/base/error.h"
#include "model/base/options.h"
#include "model/base/paths.h"

#include <gtest/gtest.h>

#include <cstdlib>

using drig::DeviceSpec;

TEST(DeviceSpec, ParsesEveryForm) {
  EXPECT_EQ(DeviceSpec::parse("auto"), (DeviceSpec{DeviceSpec::Kind::Auto, -1}));
  EXPECT_EQ(DeviceSpec::parse("cpu"), (DeviceSpec{DeviceSpec::Kind::Cpu, -1}));
  EXPECT_EQ(DeviceSpec::parse("cuda"), (DeviceSpec{DeviceSpec::Kind::Cuda, -1}));
  EXPECT_EQ(DeviceSpec::parse("cuda:3"), (DeviceSpec{DeviceSpec::Kind::Cuda, 3}));
  EXPECT_EQ(DeviceSpec::parse("cuda:3").to_string(), "cuda:3");
}

TEST(DeviceSpec, RejectsMalformedWithTheValue) {
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:1x", "CPU", ""}) {
    try {
      DeviceSpec::parse(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const drig::Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(GlobalOptions, DefaultsAreValid) {
  drig::OptionCheck check;
  drig::GlobalOptions{}.check(check);
  EXPECT_TRUE(check.ok());
  EXPECT_NO_THROW(check.throw_if_failed("options"));
}

TEST(GlobalOptions, ReportsEveryProblemAtOnce) {
  drig::GlobalOptions options;
  options.threads = -2;
  options.device = "tpu";
  options.verbosity = "loud";
  options.assets_dir = "/etc/hostname"; // exists, not a folder
  drig::OptionCheck check;
  options.check(check);
  ASSERT_EQ(check.problems().size(), 4u);
  try {
    check.throw_if_failed("invalid options");
    FAIL();
  } catch (const drig::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--threads"), std::string::npos);
    EXPECT_NE(message.find("'tpu'"), std::string::npos);
    EXPECT_NE(message.find("'loud'"), std::string::npos);
    EXPECT_NE(message.find("/etc/hostname"), std::string::npos);
  }
}

TEST(Check, ThrowsWithFormattedMessage) {
  EXPECT_THROW(DRIG_CHECK(1 + 1 == 3, "math broke: {}", 42), drig::Error);
  EXPECT_NO_THROW(DRIG_CHECK(true, "never"));
}

TEST(EnvSwitch, OnlyZeroSwitchesAnOptimisationOff) {
  ::unsetenv("DRIG_TEST_SWITCH");
  EXPECT_TRUE(drig::env_switch_on("DRIG_TEST_SWITCH"));
  ::setenv("DRIG_TEST_SWITCH", "1", 1);
  EXPECT_TRUE(drig::env_switch_on("DRIG_TEST_SWITCH"));
  ::setenv("DRIG_TEST_SWITCH", "0", 1);
  EXPECT_FALSE(drig::env_switch_on("DRIG_TEST_SWITCH"));
  ::unsetenv("DRIG_TEST_SWITCH");
}
