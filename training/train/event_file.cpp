#include "training/train/event_file.h"

#include "model/base/error.h"

#include <array>
#include <chrono>
#include <cstring>
#include <unistd.h>

namespace drig::training {
namespace {

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t masked(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

// Protocol buffer wire format: just what Event / Summary need.
void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}
void tag(std::string& out, int field, int wire) {
  varint(out, uint64_t(field) << 3 | uint64_t(wire));
}
void fixed64(std::string& out, int field, double v) {
  tag(out, field, 1);
  char b[8];
  std::memcpy(b, &v, 8); // little-endian hosts only, like everything we build for
  out.append(b, 8);
}
void fixed32(std::string& out, int field, float v) {
  tag(out, field, 5);
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
void bytes(std::string& out, int field, std::string_view v) {
  tag(out, field, 2);
  varint(out, v.size());
  out.append(v);
}

void le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out.push_back(char((v >> (8 * i)) & 0xff));
}

} // namespace

uint32_t crc32c(std::string_view data) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : data)
    c = crc_table()[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

EventFileWriter::EventFileWriter(const std::filesystem::path& log_dir) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const double seconds = std::chrono::duration<double>(now).count();
  path_ = log_dir / ("events.out.tfevents." + std::to_string(int64_t(seconds)) + "." + host + "." +
                     std::to_string(::getpid()));
  out_.open(path_, std::ios::binary | std::ios::app);
  DRIG_CHECK(out_.good(), "{}: cannot create the TensorBoard event file", path_.string());
  std::string event;
  fixed64(event, 1, seconds);       // wall_time
  bytes(event, 3, "brain.Event:2"); // file_version
  write_record(event);
}

void EventFileWriter::add_scalar(const std::string& name, double value, int64_t step,
                                 double wall_time) {
  std::string v; // Summary.Value {tag = 1, simple_value = 2}
  bytes(v, 1, name);
  fixed32(v, 2, float(value));
  std::string summary; // Summary {repeated Value value = 1}
  bytes(summary, 1, v);
  std::string event; // Event {wall_time = 1, step = 2, summary = 5}
  fixed64(event, 1, wall_time);
  tag(event, 2, 0);
  varint(event, uint64_t(step));
  bytes(event, 5, summary);
  write_record(event);
}

void EventFileWriter::write_record(const std::string& event) {
  std::string header;
  le(header, event.size(), 8);
  std::string record = header;
  le(record, masked(crc32c(header)), 4);
  record += event;
  le(record, masked(crc32c(event)), 4);
  out_.write(record.data(), std::streamsize(record.size()));
}

void EventFileWriter::flush() {
  out_.flush();
}

} // namespace drig::training
