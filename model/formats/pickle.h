#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drig {
class OptionCheck;
}

namespace drig::formats {

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

// One node of an unpickled object tree. Nothing is ever executed: classes are
// resolved against an allowlist, and the known ones (tensors, NumPy arrays,
// OrderedDict, sets, scipy sparse matrices, chumpy arrays) are rebuilt here as
// plain data. Shared references stay shared (memo), so a DAG is never copied.
struct PickleValue {
  enum class Kind {
    None,
    Bool,
    Int,    // fits int64
    BigInt, // beyond int64: `text` holds the decimal digits
    Float,
    String, // UTF-8 in `text`
    Bytes,  // raw bytes in `text`; `py2_str` when it came from a Python 2 str
    Tuple,
    List,
    Set,
    Dict,   // `entries`, in insertion order; `ordered` for OrderedDict
    Global, // a class or function reference that passed the allowlist
    Object, // an allowlisted class instance kept as (class, args, state)
    Tensor, // torch tensors, NumPy numeric arrays, dense-converted data
  };

  Kind kind = Kind::None;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  std::string text;
  bool py2_str = false;
  bool ordered = false;
  std::vector<PickleRef> items;                         // Tuple, List, Set; Object args
  std::vector<std::pair<PickleRef, PickleRef>> entries; // Dict
  std::string module, name;                             // Global, Object (its class)
  PickleRef state;                                      // Object state (BUILD); Dict attributes
  at::Tensor tensor;                                    // Tensor
  std::string dtype;          // Tensor: source dtype, e.g. "<f8", "float32"
  bool fortran_order = false; // NumPy arrays stored in Fortran order

  // Helpers that throw Error with `what` in the message on a type mismatch.
  const std::string& as_string(std::string_view what) const; // String or py2 str bytes
  int64_t as_int(std::string_view what) const;
  double as_number(std::string_view what) const;
  // Dict lookup by string key; nullptr when absent.
  PickleRef get(std::string_view key) const;
  bool is_string() const { return kind == Kind::String || (kind == Kind::Bytes && py2_str); }
  std::string kind_name() const;
};

PickleRef make_value(PickleValue::Kind kind);

// Called for PERSID/BINPERSID (torch storages): receives the persistent id
// (a tuple such as ('storage', FloatStorage, '0', 'cpu', 12)) and returns the
// value that stands for it.
using PersistentLoader = std::function<PickleRef(const PickleRef& id)>;

struct UnpickleOptions {
  // How Python 2 str opcodes decode: "latin1" keeps the bytes 1:1 (as
  // pickle.load(encoding='latin1')), "bytes" keeps them as bytes, "ascii" refuses non-ASCII.
  std::string encoding = "latin1";
  PersistentLoader persistent_load;
  // Where the bytes came from, for messages ("generic_model.pkl", "model.pt:archive/data.pkl").
  std::string source = "pickle";
  // Nested torch.save blobs (landmark_embedding.npy) recurse; this bounds it.
  int max_nesting = 4;
  // When set, receives the offset just past the STOP opcode (legacy torch
  // files hold several pickles back to back).
  size_t* consumed = nullptr;
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

// Unpickles `data` (protocols 0 to 5). Throws Error naming the source, the
// byte offset and the problem for truncated or malformed input, and for any
// global outside the allowlist (e.g. "refusing global os.system").
PickleRef unpickle(std::string_view data, const UnpickleOptions& options = {});

// Whether `module.name` may be resolved (the allowlist).
bool pickle_global_allowed(std::string_view module, std::string_view name);

} // namespace drig::formats
