#include "model/formats/zip_archive.h"

#include "model/formats/npy.h"

#include "model/base/error.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace drig::formats {
namespace {

namespace fs = std::filesystem;
using drig::test::run_command;
using drig::test::TempDir;

// Made once by Python's zipfile, so the tests need no Python: "a.txt"
// deflated, "b.bin" stored, "e.txt" deflated and empty, archive comment "hi".
const std::string kPythonZip("\x50\x4b\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x21\x00\x44\x32\x1a"
                             "\xab\x0e\x00\x00\x00\xbe\x00"
                             "\x00\x00\x05\x00\x00\x00\x61\x2e\x74\x78\x74\x4b\x4c\x4a\x4e\x1c\x7c"
                             "\xa8\xa2\xb2\x8a\x8b\x18\x0c"
                             "\x00\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xa4\xff"
                             "\xdd\x3b\x14\x00\x00\x00\x14"
                             "\x00\x00\x00\x05\x00\x00\x00\x62\x2e\x62\x69\x6e\x00\x01\x02\x03\x04"
                             "\x05\x06\x07\x08\x09\x0a\x0b"
                             "\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x50\x4b\x03\x04\x14\x00\x00\x00\x08"
                             "\x00\x00\x00\x21\x00\x00\x00"
                             "\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x65\x2e\x74"
                             "\x78\x74\x03\x00\x50\x4b\x01"
                             "\x02\x14\x03\x14\x00\x00\x00\x08\x00\x00\x00\x21\x00\x44\x32\x1a\xab"
                             "\x0e\x00\x00\x00\xbe\x00\x00"
                             "\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00"
                             "\x00\x00\x61\x2e\x74\x78\x74"
                             "\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xa4"
                             "\xff\xdd\x3b\x14\x00\x00\x00"
                             "\x14\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
                             "\x01\x31\x00\x00\x00\x62\x2e"
                             "\x62\x69\x6e\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00\x00\x00"
                             "\x21\x00\x00\x00\x00\x00\x02"
                             "\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\x80\x01\x68\x00\x00"
                             "\x00\x65\x2e\x74\x78\x74\x50\x4b\x05\x06\x00\x00\x00\x00\x03\x00\x03"
                             "\x00\x99\x00\x00\x00\x8d\x00"
                             "\x00\x00\x02\x00\x68\x69",
                             318);

std::string python_a_txt() {
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += "abc";
  for (int i = 0; i < 10; ++i)
    text += "xyz\n";
  return text;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out)
    c = static_cast<char>(rng() & 0xFF);
  return out;
}

std::string read_all(const ZipReader& zip, const ZipEntry& entry) {
  std::string scratch;
  return std::string(zip.read(entry, scratch));
}

bool has_python() {
  return run_command("/usr/bin/python3 -c 'import zipfile' 2>&1").exit_code == 0;
}

// Python's zipfile must accept what we write: it tests every CRC and prints
// name, size and CRC of each member.
std::string python_listing(const fs::path& zip) {
  const auto result = run_command(
      "/usr/bin/python3 -c 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n"
      "assert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.file_size, "
      "i.CRC)' '" +
      zip.string() + "' 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.out;
  return result.out;
}

struct Member {
  std::string name, data;
};

std::vector<Member> sample_members() {
  return {{"archive/data.pkl", "pickle bytes"},
          {"archive/empty", ""},
          {"archive/data/0", random_bytes(1 << 20, 1)},
          {"archive/odd name \xc3\xa9.txt", random_bytes(77, 2)},
          {"archive/version", "3\n"}};
}

void expect_members(const ZipReader& zip, const std::vector<Member>& members) {
  ASSERT_EQ(zip.entries().size(), members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const ZipEntry& e = zip.entries()[i];
    EXPECT_EQ(e.name, members[i].name);
    EXPECT_EQ(e.method, 0);
    EXPECT_EQ(e.size, members[i].data.size());
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
    EXPECT_TRUE(zip.check_crc(e)) << e.name;
    std::string scratch;
    const std::string_view view = zip.read(e, scratch);
    EXPECT_EQ(view, members[i].data) << e.name;
    // Stored members are views into the archive, not copies.
    EXPECT_EQ(view.data(), zip.bytes().data() + e.data_offset);
    EXPECT_EQ(zip.find(e.name), &e);
  }
  EXPECT_EQ(zip.find("missing"), nullptr);
}

std::string write_zip(const std::vector<Member>& members, bool force_zip64 = false) {
  std::ostringstream out;
  ZipWriter writer(out, force_zip64);
  for (const Member& m : members)
    writer.add(m.name, m.data);
  writer.finish();
  EXPECT_EQ(writer.bytes_written(), out.str().size());
  return out.str();
}

TEST(ZipArchive, RoundTripInMemory) {
  const auto members = sample_members();
  const std::string bytes = write_zip(members);
  EXPECT_TRUE(ZipReader::looks_like_zip(bytes));
  EXPECT_FALSE(ZipReader::looks_like_zip("\x93NUMPY"));
  ZipReader zip(bytes, "memory.zip");
  expect_members(zip, members);
  // Reproducible: same content, same bytes.
  EXPECT_EQ(write_zip(members), bytes);
}

TEST(ZipArchive, RoundTripThroughFileAndPython) {
  TempDir dir("zip_round_trip");
  for (const bool zip64 : {false, true}) {
    const auto members = sample_members();
    const fs::path path = dir / (zip64 ? "zip64.zip" : "plain.zip");
    std::ofstream(path, std::ios::binary) << write_zip(members, zip64);
    ZipReader zip(MappedFile::open(path));
    EXPECT_EQ(zip.source(), path.filename().string());
    expect_members(zip, members);
    if (!has_python())
      continue;
    std::string expected;
    for (const Member& m : members)
      expected += fmt::format("{} {} {}\n", m.name, m.data.size(), zip_crc32(m.data));
    EXPECT_EQ(python_listing(path), expected);
  }
}

TEST(ZipArchive, ManyEntriesSwitchToZip64) {
  std::vector<Member> members;
  for (int i = 0; i < 70000; ++i)
    members.push_back({fmt::format("m{}", i), i % 7 == 0 ? "" : fmt::format("{}", i)});
  const std::string bytes = write_zip(members);
  ZipReader zip(bytes, "many.zip");
  ASSERT_EQ(zip.entries().size(), members.size());
  const ZipEntry* last = zip.find("m69999");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(read_all(zip, *last), "69999");
  EXPECT_EQ(last->data_offset % 64, 0u);
}

TEST(ZipArchive, ReadsPythonDeflatedMembersAndComment) {
  ZipReader zip(kPythonZip, "python.zip");
  ASSERT_EQ(zip.entries().size(), 3u);
  EXPECT_EQ(zip.entries()[0].method, 8);
  EXPECT_EQ(read_all(zip, *zip.find("a.txt")), python_a_txt());
  EXPECT_EQ(read_all(zip, *zip.find("b.bin")),
            std::string("\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17\20\21\22\23", 20));
  EXPECT_EQ(read_all(zip, *zip.find("e.txt")), "");
  for (const ZipEntry& e : zip.entries())
    EXPECT_TRUE(zip.check_crc(e)) << e.name;
}

TEST(ZipArchive, ReadsArchivesFromPythonAndZipTool) {
  if (!has_python())
    GTEST_SKIP() << "python3 not available";
  TempDir dir("zip_foreign");
  const fs::path py = dir / "py.zip", py64 = dir / "py64.zip";
  const auto made = run_command(
      "/usr/bin/python3 -c 'import sys, zipfile\n"
      "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
      "  z.writestr(\"big.txt\", \"hello world\\n\" * 100000)\n"
      "  z.writestr(\"empty\", \"\")\n"
      "  z.comment = b\"x\" * 1000\n"
      "with zipfile.ZipFile(sys.argv[2], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
      "  with z.open(\"forced\", \"w\", force_zip64=True) as f: f.write(b\"abc\" * 1000)\n' '" +
      py.string() + "' '" + py64.string() + "' 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  std::string hello;
  for (int i = 0; i < 100000; ++i)
    hello += "hello world\n";
  ZipReader zip(MappedFile::open(py));
  EXPECT_EQ(read_all(zip, *zip.find("big.txt")), hello);
  EXPECT_LT(zip.find("big.txt")->compressed_size, hello.size() / 50);
  EXPECT_EQ(read_all(zip, *zip.find("empty")), "");
  ZipReader zip64(MappedFile::open(py64));
  std::string abc;
  for (int i = 0; i < 1000; ++i)
    abc += "abc";
  EXPECT_EQ(read_all(zip64, *zip64.find("forced")), abc);

  // Info-ZIP's zip reading stdin writes a data descriptor after the data.
  if (run_command("command -v zip >/dev/null").exit_code == 0) {
    const fs::path tool = dir / "tool.zip";
    ASSERT_EQ(run_command("printf 'streamed data' | zip -q -9 '" + tool.string() + "' -").exit_code,
              0);
    ZipReader from_tool(MappedFile::open(tool));
    ASSERT_EQ(from_tool.entries().size(), 1u);
    EXPECT_EQ(read_all(from_tool, from_tool.entries()[0]), "streamed data");
    EXPECT_TRUE(from_tool.check_crc(from_tool.entries()[0]));
  }
}

TEST(ZipArchive, ExplainsBadInput) {
  EXPECT_NE(drig::test::error_of([] {
              ZipReader("not a zip at all, just some text", "x.pt");
            }).find("x.pt: offset"),
            std::string::npos);
  EXPECT_NE(drig::test::error_of([] { ZipReader("", "empty.zip"); }).find("too short"),
            std::string::npos);

  // The central directory entry of "a.txt" starts at 141; its method is at +10.
  std::string bzip = kPythonZip;
  ASSERT_EQ(bzip.substr(141, 4), "PK\x01\x02");
  bzip[141 + 10] = 12;
  const ZipReader with_bzip(bzip, "bz.zip");
  EXPECT_NE(drig::test::error_of([&] {
              read_all(with_bzip, with_bzip.entries()[0]);
            }).find("method 12 (bzip2)"),
            std::string::npos);

  // Declared sizes that deflate cannot produce, or that the data does not.
  std::string huge = kPythonZip;
  huge[141 + 24 + 3] = 0x40; // uncompressed size of a.txt: ~1 GiB from 14 bytes
  const ZipReader with_huge(huge, "huge.zip");
  EXPECT_NE(drig::test::error_of([&] {
              read_all(with_huge, with_huge.entries()[0]);
            }).find("more than deflate can produce"),
            std::string::npos);
  std::string lying = kPythonZip;
  lying[141 + 24] = static_cast<char>(0xBD); // 189 instead of 190
  const ZipReader with_lie(lying, "lie.zip");
  EXPECT_NE(drig::test::error_of([&] {
              read_all(with_lie, with_lie.entries()[0]);
            }).find("more than its declared"),
            std::string::npos);
  lying[141 + 24] = static_cast<char>(0xBF);
  const ZipReader with_short(lying, "short.zip");
  EXPECT_NE(drig::test::error_of([&] {
              read_all(with_short, with_short.entries()[0]);
            }).find("inflates to 190"),
            std::string::npos);

  // A stored member that claims to run past the end of the file.
  std::string past = kPythonZip;
  past[192 + 20 + 2] = 0x01; // compressed size of b.bin
  EXPECT_NE(drig::test::error_of([&] { ZipReader(past, "past.zip"); }).find("past.zip: offset"),
            std::string::npos);
}

TEST(ZipArchive, WriterRefusesMisuse) {
  std::ostringstream out;
  ZipWriter writer(out);
  writer.add("a", "1");
  EXPECT_THROW(writer.add("a", "2"), Error);
  EXPECT_THROW(writer.add("", "2"), Error);
  writer.finish();
  EXPECT_THROW(writer.add("b", "3"), Error);
  EXPECT_THROW(writer.finish(), Error);
}

// Every prefix and thousands of random mutations give a result or an Error:
// never another exception, a crash or a hang.
void survive(const std::string& bytes) {
  try {
    ZipReader zip(bytes, "fuzz.zip");
    for (const ZipEntry& e : zip.entries()) {
      zip.check_crc(e);
      zip.find(e.name);
    }
  } catch (const Error&) {
  }
}

TEST(ZipArchive, SurvivesTruncationAndMutation) {
  const std::string ours = write_zip({{"x/data.pkl", "abc"}, {"x/data/0", random_bytes(100, 3)}},
                                     /*force_zip64=*/true);
  for (const std::string& original : {kPythonZip, ours}) {
    for (size_t n = 0; n < original.size(); ++n)
      survive(original.substr(0, n));
    std::mt19937 rng(1234);
    for (int iteration = 0; iteration < 4000; ++iteration) {
      std::string bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        // Half the flips hit the last 120 bytes, where the directories are.
        const size_t tail = std::min<size_t>(120, bytes.size());
        const size_t at = rng() % 2 ? rng() % bytes.size() : bytes.size() - 1 - rng() % tail;
        bytes[at] = static_cast<char>(rng() % 4 == 0 ? 0xFF : rng() & 0xFF);
      }
      survive(bytes);
    }
  }
}

std::string npy_of(const torch::Tensor& t) {
  std::ostringstream out;
  write_npy(out, t);
  return out.str();
}

// .npz archives: np.savez stores members, np.savez_compressed deflates them.
TEST(Npz, LoadsStoredAndDeflatedMembers) {
  TempDir dir("npz");
  const torch::Tensor a = torch::randn({4, 4}), b = torch::arange(6, torch::kLong).reshape({2, 3});
  std::ofstream(dir / "x.npz", std::ios::binary)
      << write_zip({{"a.npy", npy_of(a)}, {"b.npy", npy_of(b)}});
  auto arrays = load_npz(dir / "x.npz");
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].first, "a");
  EXPECT_EQ(arrays[1].first, "b");
  EXPECT_TRUE(torch::equal(arrays[0].second.tensor, a));
  EXPECT_TRUE(torch::equal(arrays[1].second.tensor, b));

  // As np.savez_compressed writes it: the same members, deflated.
  if (has_python()) {
    const auto made =
        run_command("/usr/bin/python3 -c 'import sys, zipfile\nsrc = zipfile.ZipFile(sys.argv[1])\n"
                    "with zipfile.ZipFile(sys.argv[2], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
                    "  for n in src.namelist(): z.writestr(n, src.read(n))\n' '" +
                    (dir / "x.npz").string() + "' '" + (dir / "c.npz").string() + "' 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.out;
    arrays = load_npz(dir / "c.npz");
    ASSERT_EQ(arrays.size(), 2u);
    EXPECT_TRUE(torch::equal(arrays[0].second.tensor, a));
    EXPECT_TRUE(torch::equal(arrays[1].second.tensor, b));
  }

  std::ofstream(dir / "bad.npz", std::ios::binary)
      << write_zip({{"a.npy", npy_of(a)}, {"broken.npy", "\x93NUMPY garbage"}});
  EXPECT_NE(
      drig::test::error_of([&] { load_npz(dir / "bad.npz"); }).find("bad.npz:broken.npy: offset 6"),
      std::string::npos);
}

} // namespace
} // namespace drig::formats
