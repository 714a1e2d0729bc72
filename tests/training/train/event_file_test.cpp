// TensorBoard event files: TFRecord framing (length, masked CRC-32C) around
// Event protobufs, decoded here field by field.
#include "tests/support/test_paths.h"
#include "training/train/event_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

using drig::training::crc32c;
using drig::training::EventFileWriter;

namespace {

uint64_t le(const std::string& s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = v << 8 | uint8_t(s[at + i]);
  return v;
}

uint32_t masked(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

uint64_t varint(const std::string& s, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = uint8_t(s.at(at++));
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
}

struct Scalar {
  std::string tag;
  float value = 0;
  int64_t step = -1;
};

// Event {1: wall_time, 2: step, 3: file_version, 5: Summary {1: Value {1: tag, 2: simple_value}}}
Scalar decode(const std::string& event, std::string* version) {
  Scalar out;
  size_t at = 0;
  while (at < event.size()) {
    const uint64_t key = varint(event, at);
    const int field = int(key >> 3), wire = int(key & 7);
    if (wire == 1) {
      at += 8;
    } else if (wire == 0) {
      const uint64_t v = varint(event, at);
      if (field == 2)
        out.step = int64_t(v);
    } else if (wire == 2) {
      const size_t n = varint(event, at);
      const std::string body = event.substr(at, n);
      at += n;
      if (field == 3)
        *version = body;
      if (field == 5) {
        size_t s = 0;
        varint(body, s); // Summary.value
        const size_t vn = varint(body, s);
        const std::string value = body.substr(s, vn);
        size_t k = 0;
        while (k < value.size()) {
          const uint64_t vkey = varint(value, k);
          if ((vkey >> 3) == 1) {
            const size_t tn = varint(value, k);
            out.tag = value.substr(k, tn);
            k += tn;
          } else {
            std::memcpy(&out.value, value.data() + k, 4);
            k += 4;
          }
        }
      }
    } else {
      ADD_FAILURE() << "unexpected wire type " << wire;
      break;
    }
  }
  return out;
}

} // namespace

TEST(EventFile, Crc32cKnownAnswer) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(EventFile, RecordsAreFramedAndScalarsDecode) {
  drig::test::TempDir dir("event_file");
  std::filesystem::path path;
  {
    EventFileWriter w(dir.path());
    path = w.path();
    w.add_scalar("loss", 0.25, 10, 1.7e9);
    w.add_scalar("lr", 1e-5, 20, 1.7e9 + 1);
  }
  EXPECT_EQ(path.filename().string().rfind("events.out.tfevents.", 0), 0u);
  std::ifstream in(path, std::ios::binary);
  const std::string file(std::istreambuf_iterator<char>(in), {});
  std::vector<Scalar> scalars;
  std::string version;
  size_t at = 0;
  while (at < file.size()) {
    ASSERT_LE(at + 12, file.size());
    const uint64_t n = le(file, at, 8);
    EXPECT_EQ(le(file, at + 8, 4), masked(crc32c(file.substr(at, 8))));
    ASSERT_LE(at + 12 + n + 4, file.size());
    const std::string event = file.substr(at + 12, n);
    EXPECT_EQ(le(file, at + 12 + n, 4), masked(crc32c(event)));
    at += 12 + n + 4;
    const Scalar s = decode(event, &version);
    if (!s.tag.empty())
      scalars.push_back(s);
  }
  EXPECT_EQ(version, "brain.Event:2");
  ASSERT_EQ(scalars.size(), 2u);
  EXPECT_EQ(scalars[0].tag, "loss");
  EXPECT_FLOAT_EQ(scalars[0].value, 0.25f);
  EXPECT_EQ(scalars[0].step, 10);
  EXPECT_EQ(scalars[1].tag, "lr");
  EXPECT_FLOAT_EQ(scalars[1].value, 1e-5f);
  EXPECT_EQ(scalars[1].step, 20);
}
