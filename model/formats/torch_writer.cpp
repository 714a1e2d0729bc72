#include "model/formats/torch_writer.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/zip_archive.h"

#include <torch/torch.h>

#include <cstring>
#include <map>

namespace drig::formats {
namespace {

using K = PickleValue::Kind;

// Serialises object trees with the opcodes torch.save's protocol 2 uses.
class PickleWriter {
public:
  struct Storage {
    std::string key;
    at::Tensor data; // 1-D, the whole storage, on the CPU
  };

  PickleWriter() { out_ += "\x80\x02"; }

  void value(const PickleValue& v, int depth = 0) {
    DRIG_CHECK(depth < 1000, "object to save is nested deeper than 1000 levels");
    switch (v.kind) {
    case K::None:
      op('N');
      break;
    case K::Bool:
      op(v.boolean ? '\x88' : '\x89');
      break;
    case K::Int:
      integer(v.integer);
      break;
    case K::Float: {
      op('G');
      uint64_t bits = 0;
      std::memcpy(&bits, &v.real, 8);
      for (int i = 7; i >= 0; --i) // big-endian on the wire
        out_ += static_cast<char>((bits >> (8 * i)) & 0xff);
      break;
    }
    case K::String:
      unicode(v.text);
      break;
    case K::Bytes:
      op('B');
      u32(static_cast<uint32_t>(v.text.size()));
      out_ += v.text;
      break;
    case K::Tuple:
      op('(');
      for (const auto& item : v.items)
        value(*item, depth + 1);
      op('t');
      break;
    case K::List:
      op(']');
      if (!v.items.empty()) {
        op('(');
        for (const auto& item : v.items)
          value(*item, depth + 1);
        op('e'); // APPENDS
      }
      break;
    case K::Dict:
      if (v.ordered) {
        global("collections", "OrderedDict");
        op(')');
        op('R');
      } else {
        op('}');
      }
      if (!v.entries.empty()) {
        op('(');
        for (const auto& [key, item] : v.entries) {
          value(*key, depth + 1);
          value(*item, depth + 1);
        }
        op('u'); // SETITEMS
      }
      break;
    case K::Tensor:
      tensor(v.tensor);
      break;
    default:
      fail("cannot save a {} in a checkpoint", v.kind_name());
    }
  }

  std::string finish() {
    op('.');
    return std::move(out_);
  }
  const std::vector<const Storage*>& storages() const { return order_; }

private:
  void op(char c) { out_ += c; }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  void global(std::string_view module, std::string_view name) {
    op('c');
    out_.append(module);
    op('\n');
    out_.append(name);
    op('\n');
  }
  void unicode(std::string_view s) {
    op('X');
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      out_ += static_cast<char>(v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    } else { // LONG1, 8 bytes two's complement
      op('\x8a');
      op('\x08');
      for (int i = 0; i < 8; ++i)
        out_ += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
    }
  }
  void int_tuple(at::IntArrayRef values) {
    op('(');
    for (int64_t v : values)
      integer(v);
    op('t');
  }
  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
  void tensor(const at::Tensor& original) {
    DRIG_CHECK(original.defined(), "cannot save an undefined tensor");
    const at::Tensor t = original.detach().cpu();
    const c10::StorageImpl* impl = t.storage().unsafeGetStorageImpl();
    auto it = storages_.find(impl);
    if (it == storages_.end()) {
      const int64_t numel = static_cast<int64_t>(t.storage().nbytes() / t.element_size());
      at::Tensor whole = at::empty({0}, t.options()).set_(t.storage(), 0, {numel}, {1});
      it = storages_.emplace(impl, Storage{std::to_string(storages_.size()), whole}).first;
      order_.push_back(&it->second);
    }
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(');
    unicode("storage");
    global("torch", storage_class_name(t.scalar_type()));
    unicode(it->second.key);
    unicode("cpu");
    integer(it->second.data.numel());
    op('t');
    op('Q'); // BINPERSID
    integer(t.storage_offset());
    int_tuple(t.sizes());
    int_tuple(t.strides());
    op('\x89'); // requires_grad = False
    global("collections", "OrderedDict");
    op(')');
    op('R');
    op('t');
    op('R');
  }

  std::string out_;
  std::map<const void*, Storage> storages_; // by storage identity
  std::vector<const Storage*> order_;
};

} // namespace

PickleRef make_string(std::string text) {
  auto v = make_value(K::String);
  v->text = std::move(text);
  return v;
}

PickleRef make_int(int64_t value) {
  auto v = make_value(K::Int);
  v->integer = value;
  return v;
}

PickleRef make_float(double value) {
  auto v = make_value(K::Float);
  v->real = value;
  return v;
}

PickleRef make_tensor(at::Tensor tensor) {
  auto v = make_value(K::Tensor);
  v->tensor = std::move(tensor);
  return v;
}

PickleRef make_state_dict(const NamedTensors& tensors) {
  auto dict = make_value(K::Dict);
  dict->ordered = true;
  for (const auto& [name, tensor] : tensors) {
    DRIG_CHECK(tensor.defined(), "state_dict entry '{}' is an undefined tensor", name);
    dict->entries.emplace_back(make_string(name), make_tensor(tensor));
  }
  return dict;
}

void write_torch_object(std::ostream& out, const PickleValue& root,
                        const std::string& archive_root) {
  PickleWriter pickle;
  pickle.value(root);
  ZipWriter zip(out);
  zip.add(archive_root + "/data.pkl", pickle.finish());
  zip.add(archive_root + "/byteorder", "little");
  for (const PickleWriter::Storage* s : pickle.storages()) {
    const at::Tensor bytes = s->data.contiguous();
    zip.add(archive_root + "/data/" + s->key,
            std::string_view(static_cast<const char*>(bytes.data_ptr()),
                             static_cast<size_t>(bytes.nbytes())));
  }
  zip.add(archive_root + "/version", "3\n");
  zip.finish();
}

void save_torch_object(const std::filesystem::path& path, const PickleValue& root,
                       std::string archive_root) {
  if (archive_root.empty())
    archive_root = path.stem().string();
  if (archive_root.empty())
    archive_root = "archive";
  write_file_atomic(path, [&](std::ostream& out) { write_torch_object(out, root, archive_root); });
}

void write_state_dict(std::ostream& out, const NamedTensors& tensors,
                      const std::string& archive_root) {
  write_torch_object(out, *make_state_dict(tensors), archive_root);
}

void save_state_dict(const std::filesystem::path& path, const NamedTensors& tensors,
                     std::string archive_root) {
  save_torch_object(path, *make_state_dict(tensors), std::move(archive_root));
}

} // namespace drig::formats
