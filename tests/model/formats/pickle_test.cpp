#include "model/base/error.h"
#include "model/formats/pickle.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <string>

using drig::formats::PickleRef;
using drig::formats::PickleValue;
using drig::formats::unpickle;
using K = PickleValue::Kind;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values)
    s += static_cast<char>(v);
  return s;
}

// Expects unpickle to throw drig::Error whose message contains `needle`.
void expect_refused(const std::string& data, const std::string& needle) {
  try {
    unpickle(data);
    ADD_FAILURE() << "accepted a pickle that should be refused (" << needle << ")";
  } catch (const drig::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// {'a': [1, 2.5, 'x', b'y', (True, None)], 'big': 2**70, 'neg': -5, 's': {1},
//  'n': -(2**40)} as Python 3 writes it with pickle.dumps(protocol=P).
const std::string kProtocol0(
    "\x28\x64\x70\x30\x0a\x56\x61\x0a\x70\x31\x0a\x28\x6c\x70\x32\x0a\x49\x31\x0a\x61\x46"
    "\x32\x2e\x35\x0a\x61\x56\x78\x0a\x70\x33\x0a\x61\x63\x5f\x63\x6f\x64\x65\x63\x73\x0a"
    "\x65\x6e\x63\x6f\x64\x65\x0a\x70\x34\x0a\x28\x56\x79\x0a\x70\x35\x0a\x56\x6c\x61\x74"
    "\x69\x6e\x31\x0a\x70\x36\x0a\x74\x70\x37\x0a\x52\x70\x38\x0a\x61\x28\x49\x30\x31\x0a"
    "\x4e\x74\x70\x39\x0a\x61\x73\x56\x62\x69\x67\x0a\x70\x31\x30\x0a\x4c\x31\x31\x38\x30"
    "\x35\x39\x31\x36\x32\x30\x37\x31\x37\x34\x31\x31\x33\x30\x33\x34\x32\x34\x4c\x0a\x73"
    "\x56\x6e\x65\x67\x0a\x70\x31\x31\x0a\x49\x2d\x35\x0a\x73\x56\x73\x0a\x70\x31\x32\x0a"
    "\x63\x5f\x5f\x62\x75\x69\x6c\x74\x69\x6e\x5f\x5f\x0a\x73\x65\x74\x0a\x70\x31\x33\x0a"
    "\x28\x28\x6c\x70\x31\x34\x0a\x49\x31\x0a\x61\x74\x70\x31\x35\x0a\x52\x70\x31\x36\x0a"
    "\x73\x56\x6e\x0a\x70\x31\x37\x0a\x4c\x2d\x31\x30\x39\x39\x35\x31\x31\x36\x32\x37\x37"
    "\x37\x36\x4c\x0a\x73\x2e",
    216);
const std::string kProtocol2(
    "\x80\x02\x7d\x71\x00\x28\x58\x01\x00\x00\x00\x61\x71\x01\x5d\x71\x02\x28\x4b\x01\x47"
    "\x40\x04\x00\x00\x00\x00\x00\x00\x58\x01\x00\x00\x00\x78\x71\x03\x63\x5f\x63\x6f\x64"
    "\x65\x63\x73\x0a\x65\x6e\x63\x6f\x64\x65\x0a\x71\x04\x58\x01\x00\x00\x00\x79\x71\x05"
    "\x58\x06\x00\x00\x00\x6c\x61\x74\x69\x6e\x31\x71\x06\x86\x71\x07\x52\x71\x08\x88\x4e"
    "\x86\x71\x09\x65\x58\x03\x00\x00\x00\x62\x69\x67\x71\x0a\x8a\x09\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x40\x58\x03\x00\x00\x00\x6e\x65\x67\x71\x0b\x4a\xfb\xff\xff\xff\x58\x01"
    "\x00\x00\x00\x73\x71\x0c\x63\x5f\x5f\x62\x75\x69\x6c\x74\x69\x6e\x5f\x5f\x0a\x73\x65"
    "\x74\x0a\x71\x0d\x5d\x71\x0e\x4b\x01\x61\x85\x71\x0f\x52\x71\x10\x58\x01\x00\x00\x00"
    "\x6e\x71\x11\x8a\x06\x00\x00\x00\x00\x00\xff\x75\x2e",
    181);
const std::string kProtocol4(
    "\x80\x04\x95\x56\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28"
    "\x4b\x01\x47\x40\x04\x00\x00\x00\x00\x00\x00\x8c\x01\x78\x94\x43\x01\x79\x94\x88\x4e"
    "\x86\x94\x65\x8c\x03\x62\x69\x67\x94\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40\x8c"
    "\x03\x6e\x65\x67\x94\x4a\xfb\xff\xff\xff\x8c\x01\x73\x94\x8f\x94\x28\x4b\x01\x90\x8c"
    "\x01\x6e\x94\x8a\x06\x00\x00\x00\x00\x00\xff\x75\x2e",
    97);

// The same dict plus 'ba': bytearray(b'zz') with protocol 5 (FRAME,
// BYTEARRAY8), as Python 3.11 writes it.
const std::string kProtocol5(
    "\x80\x05\x95\x67\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x61\x94\x5d\x94\x28"
    "\x4b\x01\x47\x40\x04\x00\x00\x00\x00\x00\x00\x8c\x01\x78\x94\x43\x01\x79\x94\x88\x4e"
    "\x86\x94\x65\x8c\x03\x62\x69\x67\x94\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x40\x8c"
    "\x03\x6e\x65\x67\x94\x4a\xfb\xff\xff\xff\x8c\x01\x73\x94\x8f\x94\x28\x4b\x01\x90\x8c"
    "\x01\x6e\x94\x8a\x06\x00\x00\x00\x00\x00\xff\x8c\x02\x62\x61\x94\x96\x02\x00\x00\x00"
    "\x00\x00\x00\x00\x7a\x7a\x94\x75\x2e",
    114);

} // namespace

TEST(Pickle, ReadsPythonDataOfEveryKindInProtocols0To5) {
  for (const std::string* data : {&kProtocol0, &kProtocol2, &kProtocol4, &kProtocol5}) {
    const PickleRef root = unpickle(*data);
    ASSERT_EQ(root->kind, K::Dict);
    const PickleRef a = root->get("a");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->kind, K::List);
    ASSERT_EQ(a->items.size(), 5u);
    EXPECT_EQ(a->items[0]->integer, 1);
    EXPECT_DOUBLE_EQ(a->items[1]->real, 2.5);
    EXPECT_EQ(a->items[2]->text, "x");
    EXPECT_EQ(a->items[3]->kind, K::Bytes);
    EXPECT_EQ(a->items[4]->kind, K::Tuple);
    EXPECT_TRUE(a->items[4]->items[0]->boolean);
    EXPECT_EQ(root->get("big")->kind, K::BigInt);
    EXPECT_EQ(root->get("big")->text, "1180591620717411303424");
    EXPECT_EQ(root->get("neg")->integer, -5);
    EXPECT_EQ(root->get("n")->integer, -(int64_t(1) << 40));
    EXPECT_EQ(root->get("s")->kind, K::Set);
  }
}

TEST(Pickle, Protocol5BytearraysAndOutOfBandBuffers) {
  const PickleRef root = unpickle(kProtocol5);
  const PickleRef ba = root->get("ba");
  ASSERT_TRUE(ba);
  EXPECT_EQ(ba->kind, K::Bytes);
  EXPECT_EQ(ba->text, "zz");
  // pickle.dumps(pickle.PickleBuffer(bytearray(b'abc')), protocol=5): in band.
  const PickleRef in_band = unpickle(
      std::string("\x80\x05\x95\x0e\x00\x00\x00\x00\x00\x00\x00\x96\x03\x00\x00\x00\x00\x00\x00\x00"
                  "abc\x94.",
                  25));
  EXPECT_EQ(in_band->text, "abc");
  // The same with buffer_callback: NEXT_BUFFER, READONLY_BUFFER. A model file
  // cannot carry the buffers it points at: refused, saying so.
  expect_refused(std::string("\x80\x05\x97\x98.", 5), "out-of-band buffers are not supported");
  expect_refused(std::string("\x80\x06N.", 4), "unsupported pickle protocol 6");
}

TEST(Pickle, Protocol0TextForm) {
  // {'k': (1, 'v')} with protocol 0, as Python 3 writes it.
  const PickleRef root = unpickle("(dp0\nVk\np1\n(I1\nVv\np2\ntp3\ns.");
  ASSERT_EQ(root->kind, K::Dict);
  const PickleRef k = root->get("k");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->items[0]->integer, 1);
  EXPECT_EQ(k->items[1]->text, "v");
}

TEST(Pickle, Python2StringsKeepTheirBytesUnderLatin1) {
  // {'k': '\xff\x00'} written by Python 2 (SHORT_BINSTRING).
  const PickleRef root =
      unpickle(bytes({0x80, 2, '}', 'q', 0, 'U', 1, 'k', 'U', 2, 0xff, 0, 's', '.'}));
  const PickleRef k = root->get("k");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->py2_str);
  EXPECT_EQ(k->text, bytes({0xff, 0}));
  drig::formats::UnpickleOptions ascii;
  ascii.encoding = "ascii";
  EXPECT_THROW(unpickle(bytes({0x80, 2, 'U', 1, 0xff, '.'}), ascii), drig::Error);
  // A misspelt encoding is refused, not read as latin1; every problem at once.
  drig::formats::UnpickleOptions typo;
  typo.encoding = "utf8";
  typo.source = "";
  const std::string e = drig::test::error_of([&] { unpickle(bytes({0x80, 2, 'N', '.'}), typo); });
  EXPECT_NE(e.find("unknown encoding 'utf8'"), std::string::npos) << e;
  EXPECT_NE(e.find("needs a name"), std::string::npos) << e;
}

TEST(Pickle, RefusesCodeExecution) {
  expect_refused("cposix\nsystem\n(S'echo pwned'\ntR.", "refusing global posix.system");
  expect_refused("cos\nsystem\n(S'echo pwned'\ntR.", "refusing global os.system");
  expect_refused("c__builtin__\neval\n(S'1+1'\ntR.", "refusing global builtins.eval");
  expect_refused(bytes({0x80, 4, 0x8c, 8}) + "builtins" + bytes({0x8c, 4}) + "exec" +
                     bytes({0x93, ')', 'R', '.'}),
                 "refusing global builtins.exec");
  expect_refused("csubprocess\nPopen\n(S'ls'\ntR.", "refusing global subprocess.Popen");
  expect_refused("ctorch\nload\n.", "refusing global torch.load");
  expect_refused("(cos\nsystem\nS'ls'\no.", "refusing global os.system");
  expect_refused("(S'ls'\nios\nsystem\n.", "refusing global os.system");
}

TEST(Pickle, RefusesMalformedInput) {
  expect_refused("", "truncated");
  expect_refused(bytes({0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a'}), "truncated");
  expect_refused(bytes({0x80, 2, 'T', 0, 0, 0, 0x80}), "negative string length");
  expect_refused(bytes({0x80, 9}), "unsupported pickle protocol 9");
  expect_refused(bytes({0x80, 2, 'h', 5, '.'}), "memo entry 5 missing");
  expect_refused(bytes({0x80, 2, 'a', '.'}), "stack underflow");
  expect_refused(bytes({0x80, 2, 0xfe}), "unknown opcode 0xfe");
  expect_refused(bytes({0x80, 2, 'K', 1, 'K', 2, '.'}), "STOP with 2 values");
  expect_refused(bytes({0x80, 2, 'Q', '.'}), "stack underflow");
  expect_refused(bytes({0x80, 2, ')', 'Q', '.'}), "persistent reference in a plain pickle");
  expect_refused(bytes({0x80, 2, 0x82, 1, '.'}), "extension-registry");
}

TEST(Pickle, RecursionBombsAreRefusedWithoutCrashing) {
  // 200,000 nested lists: [[[[...]]]]; destroying them recursively would overflow the stack.
  std::string deep = bytes({0x80, 2});
  for (int i = 0; i < 200000; ++i)
    deep += "]";
  for (int i = 0; i < 199999; ++i)
    deep += "a";
  deep += ".";
  expect_refused(deep, "nested deeper than");

  // The same chain built but left unreferenced in the memo, returning None.
  std::string hidden = bytes({0x80, 2});
  for (int i = 0; i < 200000; ++i)
    hidden += "]";
  for (int i = 0; i < 199999; ++i)
    hidden += "a";
  hidden += bytes({'r', 0, 0, 0, 0, '0', 'N', '.'});
  EXPECT_EQ(unpickle(hidden)->kind, K::None);

  // A list that contains itself.
  expect_refused(bytes({0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'}), "cycle");

  // A "billion laughs" of shared references stays a small DAG.
  std::string laughs = bytes({0x80, 2, 'N'});
  for (int i = 0; i < 60; ++i)
    laughs += bytes({'2', 0x86}); // DUP, TUPLE2: each level doubles the paths
  laughs += ".";
  EXPECT_EQ(unpickle(laughs)->kind, K::Tuple);
}

TEST(Pickle, AllowlistNamesModelClassesOnly) {
  EXPECT_TRUE(drig::formats::pickle_global_allowed("torch._utils", "_rebuild_tensor_v2"));
  EXPECT_TRUE(drig::formats::pickle_global_allowed("collections", "OrderedDict"));
  EXPECT_TRUE(drig::formats::pickle_global_allowed("chumpy.ch", "Ch"));
  EXPECT_FALSE(drig::formats::pickle_global_allowed("builtins", "getattr"));
  EXPECT_FALSE(drig::formats::pickle_global_allowed("torch", "load"));
  EXPECT_FALSE(drig::formats::pickle_global_allowed("numpy", "load"));
}

TEST(Pickle, MutatedInputNeverCrashes) {
  // Random byte flips and truncations of a valid pickle: a value or a drig::Error, nothing else.
  const std::string valid = kProtocol4;
  uint32_t seed = 12345;
  const auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 20000; ++i) {
    std::string data = valid;
    if (i % 4 == 0) {
      data.resize(next() % data.size());
    } else {
      for (int flips = 1 + next() % 3; flips > 0; --flips)
        data[next() % data.size()] = static_cast<char>(next() & 0xff);
    }
    try {
      unpickle(data);
    } catch (const drig::Error&) {
    }
  }
}
