#include "model/formats/tensor_pickle.h"

#include "model/base/error.h"
#include "model/formats/pickle.h"
#include "model/formats/torch_checkpoint.h"

#include <torch/torch.h>

#include <cstring>

namespace drig::formats {
namespace {

// The few opcodes these two small pickles need.
class Ops {
public:
  explicit Ops(int protocol) {
    out_ += '\x80';
    out_ += static_cast<char>(protocol);
  }
  Ops& op(char c) {
    out_ += c;
    return *this;
  }
  Ops& global(std::string_view module, std::string_view name) {
    out_ += 'c';
    out_.append(module).append("\n").append(name).append("\n");
    return *this;
  }
  Ops& text(std::string_view s) {
    out_ += 'X';
    le(s.size(), 4);
    out_.append(s);
    return *this;
  }
  Ops& bytes(std::string_view s) {
    out_ += '\x8e'; // BINBYTES8: no 4 GiB limit
    le(s.size(), 8);
    out_.append(s);
    return *this;
  }
  Ops& integer(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';
      out_ += static_cast<char>(v);
    } else if (v >= 0 && v < 65536) {
      out_ += 'M';
      le(static_cast<uint64_t>(v), 2);
    } else {
      out_ += '\x8a';
      out_ += '\x08';
      le(static_cast<uint64_t>(v), 8);
    }
    return *this;
  }
  Ops& ints(at::IntArrayRef values) {
    op('(');
    for (int64_t v : values)
      integer(v);
    return op('t');
  }
  Ops& append(std::string_view raw) {
    out_.append(raw);
    return *this;
  }
  std::string finish() {
    out_ += '.';
    return std::move(out_);
  }
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }

private:
  std::string out_;
};

// torch.save(storage, _use_new_zipfile_serialization=False): five pickles and
// the raw storage.
std::string legacy_storage_stream(const at::Tensor& flat, const std::string& location) {
  std::string s;
  // LONG1 0x1950a86a20f9469cfc6c, little-endian in 10 bytes.
  const char magic[10] = {'\x6c', '\xfc', '\x9c', '\x46', '\xf9',
                          '\x20', '\x6a', '\xa8', '\x50', '\x19'};
  s += Ops(2).op('\x8a').op('\x0a').append(std::string_view(magic, 10)).finish();
  s += Ops(2).integer(1001).finish();
  Ops info(2);
  info.op('}').op('(');
  info.text("protocol_version").integer(1001);
  info.text("little_endian").op('\x88');
  info.text("type_sizes").op('}').op('(');
  info.text("short").integer(2).text("int").integer(4).text("long").integer(4);
  info.op('u').op('u');
  s += info.finish();
  const std::string key = "0";
  Ops obj(2);
  obj.op('(').text("storage").global("torch", storage_class_name(flat.scalar_type()));
  obj.text(key).text(location).integer(flat.numel()).op('N').op('t').op('Q');
  s += obj.finish();
  s += Ops(2).op(']').op('(').text(key).op('e').finish();
  std::string count;
  for (int i = 0; i < 8; ++i)
    count += static_cast<char>((static_cast<uint64_t>(flat.numel()) >> (8 * i)) & 0xff);
  s += count;
  s.append(static_cast<const char*>(flat.data_ptr()), flat.numel() * flat.element_size());
  return s;
}

} // namespace

std::string pickle_tensor(const at::Tensor& tensor, const std::string& location) {
  DRIG_CHECK(tensor.defined(), "cannot pickle an undefined tensor");
  const at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
  const at::Tensor flat = t.reshape({-1});
  Ops p(4);
  p.global("torch._utils", "_rebuild_tensor_v2").op('(');
  p.global("torch.storage", "_load_from_bytes")
      .op('(')
      .bytes(legacy_storage_stream(flat, location));
  p.op('t').op('R');
  p.integer(0).ints(t.sizes()).ints(t.strides());
  p.op('\x89').global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
  return p.finish();
}

at::Tensor unpickle_tensor(const std::string& bytes, const std::string& source) {
  UnpickleOptions options;
  options.source = source;
  const PickleRef value = unpickle(bytes, options);
  DRIG_CHECK(value && value->kind == PickleValue::Kind::Tensor,
             "{}: expected a pickled tensor, found a {}", source,
             value ? value->kind_name() : std::string("nothing"));
  return value->tensor;
}

} // namespace drig::formats
