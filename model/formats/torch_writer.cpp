#include "model/formats/torch_writer.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/zip_archive.h"

#include <torch/torch.h>

#include <map>

namespace drig::formats {
namespace {

// The few pickle opcodes a state_dict needs, protocol 2 as torch.save uses.
class PickleWriter {
public:
  void proto() { out_ += "\x80\x02"; }
  void global(std::string_view module, std::string_view name) {
    out_ += 'c';
    out_.append(module);
    out_ += '\n';
    out_.append(name);
    out_ += '\n';
  }
  void unicode(std::string_view s) {
    out_ += 'X';
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';
      out_ += static_cast<char>(v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      u32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    } else { // LONG1, 8 bytes two's complement
      out_ += '\x8a';
      out_ += '\x08';
      for (int i = 0; i < 8; ++i)
        out_ += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
    }
  }
  void int_tuple(at::IntArrayRef values) {
    mark();
    for (int64_t v : values)
      integer(v);
    op('t');
  }
  void mark() { op('('); }
  void op(char c) { out_ += c; }
  std::string take() { return std::move(out_); }

private:
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string out_;
};

} // namespace

void write_state_dict(std::ostream& out, const NamedTensors& tensors,
                      const std::string& archive_root) {
  struct Storage {
    std::string key;
    at::Tensor data; // 1-D, the whole storage, on the CPU
  };
  std::map<const void*, Storage> storages; // by storage identity, so shared storages stay shared
  std::vector<const Storage*> order;

  PickleWriter p;
  p.proto();
  p.global("collections", "OrderedDict");
  p.op(')');
  p.op('R');
  p.mark();
  for (const auto& [name, original] : tensors) {
    DRIG_CHECK(original.defined(), "state_dict entry '{}' is an undefined tensor", name);
    const at::Tensor tensor = original.detach().cpu();
    const c10::StorageImpl* impl = tensor.storage().unsafeGetStorageImpl();
    auto it = storages.find(impl);
    if (it == storages.end()) {
      const int64_t numel = static_cast<int64_t>(tensor.storage().nbytes() / tensor.element_size());
      at::Tensor whole = at::empty({0}, tensor.options()).set_(tensor.storage(), 0, {numel}, {1});
      it = storages.emplace(impl, Storage{std::to_string(storages.size()), whole}).first;
      order.push_back(&it->second);
    }
    p.unicode(name);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    {
      p.mark();
      p.unicode("storage");
      p.global("torch", storage_class_name(tensor.scalar_type()));
      p.unicode(it->second.key);
      p.unicode("cpu");
      p.integer(it->second.data.numel());
      p.op('t');
      p.op('Q'); // BINPERSID
    }
    p.integer(tensor.storage_offset());
    p.int_tuple(tensor.sizes());
    p.int_tuple(tensor.strides());
    p.op('\x89'); // requires_grad = False
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');
    p.op('t');
    p.op('R');
  }
  p.op('u'); // SETITEMS
  p.op('.');

  ZipWriter zip(out);
  zip.add(archive_root + "/data.pkl", p.take());
  zip.add(archive_root + "/byteorder", "little");
  for (const Storage* s : order) {
    const at::Tensor bytes = s->data.contiguous();
    zip.add(archive_root + "/data/" + s->key,
            std::string_view(static_cast<const char*>(bytes.data_ptr()),
                             static_cast<size_t>(bytes.nbytes())));
  }
  zip.add(archive_root + "/version", "3\n");
  zip.finish();
}

void save_state_dict(const std::filesystem::path& path, const NamedTensors& tensors,
                     std::string archive_root) {
  if (archive_root.empty())
    archive_root = path.stem().string();
  if (archive_root.empty())
    archive_root = "archive";
  write_file_atomic(path, [&](std::ostream& out) { write_state_dict(out, tensors, archive_root); });
}

} // namespace drig::formats
