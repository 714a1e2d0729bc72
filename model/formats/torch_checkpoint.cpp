#include "model/formats/torch_checkpoint.h"

#include "model/base/error.h"
#include "model/formats/mapped_file.h"
#include "model/formats/zip_archive.h"

#include <torch/torch.h>

#include <fmt/format.h>

#include <cstring>
#include <map>

namespace drig::formats {
namespace {

using K = PickleValue::Kind;

struct StorageType {
  const char* name;
  at::ScalarType type;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", at::kFloat},
    {"DoubleStorage", at::kDouble},
    {"HalfStorage", at::kHalf},
    {"BFloat16Storage", at::kBFloat16},
    {"LongStorage", at::kLong},
    {"IntStorage", at::kInt},
    {"ShortStorage", at::kShort},
    {"CharStorage", at::kChar},
    {"ByteStorage", at::kByte},
    {"BoolStorage", at::kBool},
    {"ComplexFloatStorage", at::kComplexFloat},
    {"ComplexDoubleStorage", at::kComplexDouble},
    {"UntypedStorage", at::kByte},
};

// ('storage', storage_class, key, location, numel[, view_metadata])
struct StorageRef {
  at::ScalarType type;
  std::string key, location;
  int64_t numel;
  PickleRef view; // legacy only: (view_key, offset, view_size) or None
};

StorageRef parse_storage_id(const PickleRef& id, const std::string& what) {
  if (id->kind != K::Tuple || id->items.size() < 5 || !id->items[0]->is_string() ||
      id->items[0]->text != "storage")
    fail("{}: unknown persistent reference ({})", what, id->kind_name());
  const PickleValue& cls = *id->items[1];
  if (cls.kind != K::Global || (cls.module != "torch" && cls.module != "torch.cuda"))
    fail("{}: storage class {} unknown", what, cls.kind_name());
  StorageRef ref{storage_scalar_type(cls.name, what), id->items[2]->as_string(what),
                 id->items[3]->as_string(what), id->items[4]->as_int(what), nullptr};
  if (ref.numel < 0)
    fail("{}: negative storage size", what);
  if (id->items.size() > 5)
    ref.view = id->items[5];
  return ref;
}

PickleRef storage_value(at::Tensor storage, at::ScalarType type) {
  auto r = make_value(K::Tensor);
  r->tensor = std::move(storage);
  r->dtype = std::string(c10::toString(type));
  return r;
}

TorchCheckpoint load_zip(const std::filesystem::path& path,
                         std::shared_ptr<const MappedFile> file) {
  TorchCheckpoint ckpt;
  ckpt.format = TorchCheckpoint::Format::Zip;
  ckpt.path = path;
  ckpt.file = file;
  const std::string name = path.filename().string();
  ZipReader zip(file);
  const ZipEntry* pickle_entry = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.substr(slash + 1) == "data.pkl") {
      pickle_entry = &e;
      ckpt.archive_root = e.name.substr(0, slash);
      break;
    }
  }
  if (pickle_entry == nullptr)
    fail("{}: a zip file without <root>/data.pkl: not a torch.save checkpoint", name);
  if (const ZipEntry* order = zip.find(ckpt.archive_root + "/byteorder")) {
    std::string scratch;
    if (zip.read(*order, scratch) != "little")
      fail("{}: big-endian checkpoints are not supported", name);
  }

  std::map<std::string, PickleRef> storages;
  UnpickleOptions options;
  options.source = name + ":" + pickle_entry->name;
  options.persistent_load = [&](const PickleRef& id) -> PickleRef {
    const StorageRef ref = parse_storage_id(id, options.source);
    if (auto it = storages.find(ref.key); it != storages.end())
      return it->second;
    const std::string record = ckpt.archive_root + "/data/" + ref.key;
    const ZipEntry* entry = zip.find(record);
    if (entry == nullptr)
      fail("{}: storage record {} is missing", name, record);
    std::string scratch;
    const std::string_view bytes = zip.read(*entry, scratch);
    const uint64_t element = c10::elementSize(ref.type);
    if (static_cast<uint64_t>(ref.numel) * element != bytes.size())
      fail("{}: record {} has {} bytes, its storage declares {} x {} bytes", name, record,
           bytes.size(), ref.numel, element);
    at::Tensor storage;
    if (scratch.empty()) {
      storage = tensor_from_bytes(file, bytes.data(), bytes.size(), ref.type, {ref.numel}, {1});
    } else { // a deflated record: own the inflated bytes
      auto owned = std::make_shared<std::string>(std::move(scratch));
      storage = tensor_from_bytes(owned, owned->data(), owned->size(), ref.type, {ref.numel}, {1});
    }
    return storages[ref.key] = storage_value(storage, ref.type);
  };
  std::string scratch;
  ckpt.root = unpickle(zip.read(*pickle_entry, scratch), options);
  return ckpt;
}

uint64_t read_u64(std::string_view data, size_t& pos, const std::string& what) {
  if (data.size() - pos < 8)
    fail("{}: offset {}: truncated storage header", what, pos);
  uint64_t v = 0;
  std::memcpy(&v, data.data() + pos, 8);
  pos += 8;
  return v;
}

// magic number, protocol version, sys_info, the object, storage keys, storages.
PickleRef load_legacy(std::string_view data, const UnpickleOptions& base) {
  const std::string what = base.source;
  size_t pos = 0, consumed = 0;
  UnpickleOptions plain;
  plain.source = what;
  plain.consumed = &consumed;
  plain.max_nesting = base.max_nesting;
  const auto next_pickle = [&](UnpickleOptions& options) {
    options.consumed = &consumed;
    PickleRef v = unpickle(data.substr(pos), options);
    pos += consumed;
    return v;
  };
  const PickleRef magic = next_pickle(plain);
  if (magic->kind != K::BigInt || magic->text != "119547037146038801333356")
    fail("{}: not a torch.save file (magic number missing)", what);
  const PickleRef protocol = next_pickle(plain);
  if (protocol->kind != K::Int || protocol->integer != 1001)
    fail("{}: unsupported legacy protocol {}", what, protocol->kind_name());
  const PickleRef sys_info = next_pickle(plain);
  if (sys_info->kind == K::Dict)
    if (auto little = sys_info->get("little_endian"); little && little->as_int(what) == 0)
      fail("{}: big-endian checkpoints are not supported", what);

  struct Pending {
    StorageRef ref;
    at::Tensor tensor;
  };
  std::map<std::string, Pending> roots;
  std::map<std::string, PickleRef> values;
  UnpickleOptions main = base;
  main.persistent_load = [&](const PickleRef& id) -> PickleRef {
    const StorageRef ref = parse_storage_id(id, what);
    auto it = roots.find(ref.key);
    if (it == roots.end()) {
      // Filled once the storages that follow the pickle are read.
      if (static_cast<uint64_t>(ref.numel) * c10::elementSize(ref.type) > data.size())
        fail("{}: storage {} declares {} elements, more than the file holds", what, ref.key,
             ref.numel);
      it = roots.emplace(ref.key, Pending{ref, at::empty({ref.numel}, ref.type)}).first;
    }
    if (!ref.view || ref.view->kind == K::None)
      return storage_value(it->second.tensor, ref.type);
    const PickleValue& view = *ref.view;
    if (view.kind != K::Tuple || view.items.size() < 3)
      fail("{}: malformed storage view", what);
    const int64_t offset = view.items[1]->as_int(what), size = view.items[2]->as_int(what);
    if (offset < 0 || size < 0 || offset + size > it->second.tensor.numel())
      fail("{}: storage view past its storage", what);
    return storage_value(it->second.tensor.narrow(0, offset, size), ref.type);
  };
  PickleRef root = next_pickle(main);
  const PickleRef keys = next_pickle(plain);
  if (keys->kind != K::List)
    fail("{}: storage key list missing", what);
  for (const PickleRef& key : keys->items) {
    const std::string& k = key->as_string(what);
    auto it = roots.find(k);
    if (it == roots.end())
      fail("{}: storage {} is listed but never used", what, k);
    const uint64_t numel = read_u64(data, pos, what);
    const uint64_t bytes = numel * c10::elementSize(it->second.ref.type);
    if (numel != static_cast<uint64_t>(it->second.tensor.numel()) || bytes > data.size() - pos)
      fail("{}: offset {}: storage {} truncated or inconsistent", what, pos, k);
    std::memcpy(it->second.tensor.data_ptr(), data.data() + pos, bytes);
    pos += bytes;
  }
  return root;
}

} // namespace

at::ScalarType storage_scalar_type(const std::string& storage_class, const std::string& what) {
  for (const auto& s : kStorageTypes)
    if (storage_class == s.name)
      return s.type;
  fail("{}: unknown storage class torch.{}", what, storage_class);
}

std::string storage_class_name(at::ScalarType type) {
  for (const auto& s : kStorageTypes)
    if (s.type == type)
      return s.name;
  fail("no torch storage class for dtype {}", c10::toString(type));
}

PickleRef load_torch_legacy_bytes(std::string_view data, const UnpickleOptions& options) {
  if (options.max_nesting < 0)
    fail("{}: nested torch.save blobs too deep", options.source);
  return load_legacy(data, options);
}

TorchCheckpoint load_torch_checkpoint(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  const std::string_view head = file->bytes().substr(0, 64);
  if (ZipReader::looks_like_zip(head))
    return load_zip(path, file);
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x80) {
    TorchCheckpoint ckpt;
    ckpt.format = TorchCheckpoint::Format::Legacy;
    ckpt.path = path;
    ckpt.file = file;
    UnpickleOptions options;
    options.source = path.filename().string();
    ckpt.root = load_legacy(file->bytes(), options);
    return ckpt;
  }
  if (file->bytes().size() > 262 && file->bytes().substr(257, 5) == "ustar")
    fail("{}: a tar archive (the pre-1.0 torch.save format or a real tar); not supported",
         path.string());
  fail("{}: not a PyTorch checkpoint (neither zip nor legacy torch.save)", path.string());
}

NamedTensors state_dict_tensors(const PickleValue& dict, const std::string& what) {
  if (dict.kind != K::Dict)
    fail("{}: expected a state_dict (a dict of tensors), found {}", what, dict.kind_name());
  NamedTensors out;
  out.reserve(dict.entries.size());
  for (const auto& [key, value] : dict.entries) {
    const std::string& name = key->as_string(what);
    if (value->kind != K::Tensor)
      fail("{}: entry '{}' is {}, not a tensor", what, name, value->kind_name());
    out.emplace_back(name, value->tensor);
  }
  return out;
}

} // namespace drig::formats
