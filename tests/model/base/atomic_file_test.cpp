#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
size_t count_files(const fs::path& folder) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(folder), {}));
}
} // namespace

TEST(AtomicFile, WritesAndReplaces) {
  drig::test::TempDir dir("atomic-replace");
  const fs::path file = dir / "manifest.json";
  drig::write_file_atomic(file, "first");
  EXPECT_EQ(drig::read_file(file), "first");
  drig::write_file_atomic(file, "second, longer");
  EXPECT_EQ(drig::read_file(file), "second, longer");
  EXPECT_EQ(count_files(dir.path()), 1u) << "temporary file left behind";
}

TEST(AtomicFile, FailingWriterKeepsOldFileAndCleansUp) {
  drig::test::TempDir dir("atomic-throw");
  const fs::path file = dir / "model.pt";
  drig::write_file_atomic(file, "good checkpoint");
  EXPECT_THROW(drig::write_file_atomic(file,
                                       [](std::ostream& out) {
                                         out << "half a check";
                                         throw drig::Error("disk full");
                                       }),
               drig::Error);
  EXPECT_EQ(drig::read_file(file), "good checkpoint");
  EXPECT_EQ(count_files(dir.path()), 1u);
}

TEST(AtomicFile, KilledWriterLeavesOldFileIntact) {
  drig::test::TempDir dir("atomic-kill");
  const fs::path file = dir / "model.pt";
  drig::write_file_atomic(file, "good checkpoint");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    drig::write_file_atomic(file, [](std::ostream& out) {
      out << std::string(1 << 20, 'x');
      out.flush();
      ::raise(SIGKILL); // dies mid-write, before the rename
    });
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer should have been killed";
  EXPECT_EQ(drig::read_file(file), "good checkpoint");
}

TEST(AtomicFile, CreatesMissingFolders) {
  drig::test::TempDir dir("atomic-mkdir");
  const fs::path file = dir / "a" / "b" / "c.txt";
  drig::write_file_atomic(file, "x");
  EXPECT_EQ(drig::read_file(file), "x");
}

TEST(AtomicFile, ReadErrorNamesTheFile) {
  try {
    drig::read_file("/nonexistent/foo.bin");
    FAIL();
  } catch (const drig::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/foo.bin"), std::string::npos);
  }
}
