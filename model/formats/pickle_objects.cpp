#include "model/formats/pickle_objects.h"

#include "model/base/error.h"
#include "model/formats/npy.h"
#include "model/formats/torch_checkpoint.h"

#include <torch/torch.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <set>

namespace drig::formats {
namespace {

using K = PickleValue::Kind;

// Classes and functions that appear in the model files users bring (see
// ../shared/reference: torch.save checkpoints, FLAME's Python 2 pickle with
// chumpy and scipy objects, NumPy object arrays). Nothing else resolves.
const std::set<std::pair<std::string, std::string>>& allowlist() {
  static const std::set<std::pair<std::string, std::string>> names = [] {
    std::set<std::pair<std::string, std::string>> n = {
        {"collections", "OrderedDict"},
        {"builtins", "set"},
        {"builtins", "frozenset"},
        {"builtins", "bytearray"},
        {"builtins", "slice"},
        {"builtins", "object"},
        {"copyreg", "_reconstructor"},
        {"_codecs", "encode"},
        {"torch._utils", "_rebuild_tensor"},
        {"torch._utils", "_rebuild_tensor_v2"},
        {"torch._utils", "_rebuild_parameter"},
        {"torch._utils", "_rebuild_parameter_with_state"},
        {"torch.storage", "_load_from_bytes"},
        {"torch", "Size"},
        {"torch", "device"},
        {"numpy", "ndarray"},
        {"numpy", "dtype"},
        {"scipy.sparse.csc", "csc_matrix"},
        {"scipy.sparse._csc", "csc_matrix"},
        {"scipy.sparse.csr", "csr_matrix"},
        {"scipy.sparse._csr", "csr_matrix"},
        {"chumpy.ch", "Ch"},
        {"chumpy", "Ch"},
    };
    for (const char* numpy_core : {"numpy.core.multiarray", "numpy._core.multiarray"}) {
      n.insert({numpy_core, "_reconstruct"});
      n.insert({numpy_core, "scalar"});
    }
    for (const char* storage :
         {"FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
          "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
          "ComplexFloatStorage", "ComplexDoubleStorage", "UntypedStorage"}) {
      n.insert({"torch", storage});
      n.insert({"torch.cuda", storage}); // CUDA tensors pickled by torch <= 1.11
    }
    return n;
  }();
  return names;
}

bool is(const PickleRef& v, std::string_view module, std::string_view name) {
  return (v->kind == K::Global || v->kind == K::Object) && v->module == module && v->name == name;
}

const PickleValue& arg(const PickleRef& args, size_t i, std::string_view what) {
  if (args->kind != K::Tuple || args->items.size() <= i)
    fail("{}: missing argument {}", what, i);
  return *args->items[i];
}

std::vector<int64_t> int_tuple(const PickleValue& v, std::string_view what) {
  if (v.kind != K::Tuple && v.kind != K::List)
    fail("{}: expected a tuple of integers, found {}", what, v.kind_name());
  std::vector<int64_t> out;
  for (const auto& item : v.items) {
    const int64_t x = item->as_int(what);
    if (x < 0)
      fail("{}: negative size {}", what, x);
    out.push_back(x);
  }
  return out;
}

// Number of elements, refusing overflow and anything the input could not hold.
int64_t checked_numel(const std::vector<int64_t>& shape, uint64_t cap, const std::string& what) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > cap / static_cast<uint64_t>(d))
      fail("{}: shape too large for the file", what);
    n *= static_cast<uint64_t>(d);
  }
  return static_cast<int64_t>(n);
}

PickleRef tensor_value(at::Tensor t, std::string dtype) {
  auto r = make_value(K::Tensor);
  r->tensor = std::move(t);
  r->dtype = std::move(dtype);
  return r;
}

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)
PickleRef rebuild_tensor(const PickleRef& args, const UnpickleContext& c) {
  const std::string what = c.where() + ": tensor";
  const PickleValue& storage = arg(args, 0, what);
  if (storage.kind != K::Tensor)
    fail("{}: storage argument is {}", what, storage.kind_name());
  const int64_t offset = arg(args, 1, what).as_int(what);
  const std::vector<int64_t> size = int_tuple(arg(args, 2, what), what);
  const std::vector<int64_t> stride = int_tuple(arg(args, 3, what), what);
  if (size.size() != stride.size())
    fail("{}: {} sizes but {} strides", what, size.size(), stride.size());
  const int64_t available = storage.tensor.numel();
  int64_t last = offset;
  bool empty = false;
  for (size_t i = 0; i < size.size(); ++i) {
    empty = empty || size[i] == 0;
    if (size[i] > 0 && stride[i] > (std::numeric_limits<int64_t>::max() - last) / size[i])
      fail("{}: strides overflow", what);
    if (size[i] > 0)
      last += (size[i] - 1) * stride[i];
  }
  if (offset < 0 || (!empty && last >= available) || offset > available)
    fail("{}: view (offset {}, size {}, stride {}) exceeds its storage of {} elements", what,
         offset, fmt::join(size, "x"), fmt::join(stride, ","), available);
  return tensor_value(storage.tensor.as_strided(size, stride, offset), storage.dtype);
}

PickleRef numpy_scalar(const PickleRef& args, const UnpickleContext& c) {
  const std::string what = c.where() + ": numpy scalar";
  const PickleValue& dtype = arg(args, 0, what);
  const PickleValue& data = arg(args, 1, what);
  if (dtype.kind != K::Object || data.kind != K::Bytes)
    fail("{}: malformed", what);
  const at::Tensor t = numpy_bytes_to_tensor(dtype.text, {}, false, data.text, what);
  auto r = make_value(t.is_floating_point() ? K::Float : K::Int);
  if (t.is_floating_point())
    r->real = t.item<double>();
  else
    r->integer = t.item<int64_t>();
  return r;
}

} // namespace

bool pickle_global_allowed(std::string_view module, std::string_view name) {
  return allowlist().count({std::string(module), std::string(name)}) > 0;
}

std::pair<std::string, std::string> canonical_global(std::string_view module,
                                                     std::string_view name) {
  if (module == "__builtin__")
    return {"builtins", std::string(name)};
  if (module == "copy_reg")
    return {"copyreg", std::string(name)};
  return {std::string(module), std::string(name)};
}

PickleRef apply_reduce(const PickleRef& callable, const PickleRef& args, const UnpickleContext& c) {
  if (callable->kind != K::Global)
    fail("{}: REDUCE on {}, not a class or function", c.where(), callable->kind_name());
  if (args->kind != K::Tuple)
    fail("{}: REDUCE arguments are {}, not a tuple", c.where(), args->kind_name());
  const std::string what = c.where() + ": " + callable->module + "." + callable->name;
  if (is(callable, "collections", "OrderedDict")) {
    auto r = make_value(K::Dict);
    r->ordered = true;
    if (!args->items.empty() && args->items[0]->kind == K::List)
      for (const auto& pair : args->items[0]->items)
        if (pair->kind == K::Tuple && pair->items.size() == 2)
          r->entries.emplace_back(pair->items[0], pair->items[1]);
    return r;
  }
  if (is(callable, "builtins", "set") || is(callable, "builtins", "frozenset")) {
    auto r = make_value(K::Set);
    if (!args->items.empty())
      r->items = args->items[0]->items;
    return r;
  }
  if (is(callable, "builtins", "bytearray") || is(callable, "_codecs", "encode")) {
    // _codecs.encode(str, 'latin1') is how Python 3 pickles bytes at protocol 2.
    auto r = make_value(K::Bytes);
    if (!args->items.empty()) {
      const std::string& s = args->items[0]->as_string(what);
      if (is(callable, "_codecs", "encode")) {
        for (size_t i = 0; i < s.size(); ++i) { // UTF-8 code points < 256 back to bytes
          const auto b = static_cast<unsigned char>(s[i]);
          if (b < 0x80) {
            r->text += static_cast<char>(b);
          } else if ((b & 0xE0) == 0xC0 && i + 1 < s.size() && b <= 0xC3) {
            r->text += static_cast<char>(((b & 0x1F) << 6) | (s[i + 1] & 0x3F));
            ++i;
          } else {
            fail("{}: not latin1 text", what);
          }
        }
      } else {
        r->text = s;
      }
    }
    return r;
  }
  if (is(callable, "torch._utils", "_rebuild_tensor_v2") ||
      is(callable, "torch._utils", "_rebuild_tensor"))
    return rebuild_tensor(args, c);
  if (is(callable, "torch._utils", "_rebuild_parameter") ||
      is(callable, "torch._utils", "_rebuild_parameter_with_state")) {
    const PickleValue& data = arg(args, 0, what);
    if (data.kind != K::Tensor)
      fail("{}: parameter data is {}", what, data.kind_name());
    return args->items[0];
  }
  if (is(callable, "torch.storage", "_load_from_bytes")) {
    const PickleValue& bytes = arg(args, 0, what);
    if (bytes.kind != K::Bytes)
      fail("{}: expected bytes", what);
    UnpickleOptions nested = c.options;
    nested.max_nesting -= 1;
    nested.source = c.where() + " (nested torch.save)";
    return load_torch_legacy_bytes(bytes.text, nested);
  }
  if (is(callable, "torch", "Size")) {
    auto r = make_value(K::Tuple);
    if (!args->items.empty())
      r->items = args->items[0]->items;
    return r;
  }
  if (is(callable, "torch", "device")) {
    auto r = make_value(K::String);
    for (const auto& item : args->items)
      r->text += (r->text.empty() ? "" : ":") +
                 (item->is_string() ? item->text : std::to_string(item->as_int(what)));
    return r;
  }
  if (is(callable, "numpy.core.multiarray", "scalar") ||
      is(callable, "numpy._core.multiarray", "scalar"))
    return numpy_scalar(args, c);
  if (is(callable, "copyreg", "_reconstructor"))
    return apply_newobj(args->items.empty() ? callable : args->items[0], make_value(K::Tuple), c);
  // _reconstruct(ndarray, shape, dtype), numpy.dtype(code, align, copy), ...:
  // kept as an object until BUILD gives their state.
  auto r = make_value(K::Object);
  if (is(callable, "numpy.core.multiarray", "_reconstruct") ||
      is(callable, "numpy._core.multiarray", "_reconstruct")) {
    r->module = "numpy";
    r->name = "ndarray";
  } else {
    r->module = callable->module;
    r->name = callable->name;
  }
  r->items = args->items;
  if (is(callable, "numpy", "dtype"))
    r->text = arg(args, 0, what).as_string(what); // e.g. "f8"
  return r;
}

PickleRef apply_newobj(const PickleRef& cls, const PickleRef& args, const UnpickleContext& c) {
  if (cls->kind != K::Global)
    fail("{}: NEWOBJ on {}, not a class", c.where(), cls->kind_name());
  if (is(cls, "collections", "OrderedDict")) {
    auto r = make_value(K::Dict);
    r->ordered = true;
    return r;
  }
  if (is(cls, "builtins", "set"))
    return make_value(K::Set);
  auto r = make_value(K::Object);
  r->module = cls->module;
  r->name = cls->name;
  if (args->kind == K::Tuple)
    r->items = args->items;
  return r;
}

void apply_build(const PickleRef& object, const PickleRef& state, const UnpickleContext& c) {
  const std::string what = c.where() + ": " + object->kind_name();
  if (is(object, "numpy", "dtype")) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    if (state->kind != K::Tuple || state->items.size() < 2)
      fail("{}: malformed dtype state", what);
    const std::string& order = state->items[1]->as_string(what);
    std::string code = object->text;
    if (!code.empty() && code[0] == 'O') // "O8": object pointers
      object->text = "|O";
    else
      object->text = (order == "=" ? "<" : order) + code;
    return;
  }
  if (is(object, "numpy", "ndarray")) {
    // (version, shape, dtype, is_fortran, data)
    if (state->kind != K::Tuple || state->items.size() < 5)
      fail("{}: malformed ndarray state", what);
    const std::vector<int64_t> shape = int_tuple(*state->items[1], what);
    const PickleValue& dtype = *state->items[2];
    if (!is(state->items[2], "numpy", "dtype"))
      fail("{}: ndarray dtype is {}", what, dtype.kind_name());
    const bool fortran = state->items[3]->as_int(what) != 0;
    const PickleValue& data = *state->items[4];
    if (dtype.text == "|O") { // object array: the data is a list of objects
      if (data.kind != K::List)
        fail("{}: object array data is {}", what, data.kind_name());
      object->kind = K::List;
      object->items = data.items;
      object->dtype = "|O";
      return;
    }
    if (data.kind != K::Bytes)
      fail("{}: array data is {}", what, data.kind_name());
    object->tensor = numpy_bytes_to_tensor(dtype.text, shape, fortran, data.text, what);
    object->kind = K::Tensor;
    object->dtype = dtype.text;
    object->fortran_order = fortran;
    object->items.clear();
    return;
  }
  if (object->module.rfind("scipy.sparse", 0) == 0 && object->kind == K::Object) {
    // {format, _shape, indices, indptr, data, maxprint}: densified, because
    // the model files hold small regressors (FLAME's J_regressor).
    if (state->kind != K::Dict)
      fail("{}: sparse matrix state is {}", what, state->kind_name());
    const auto shape_value = state->get("_shape");
    const auto indices = state->get("indices"), indptr = state->get("indptr"),
               data = state->get("data");
    if (!shape_value || !indices || !indptr || !data || indices->kind != K::Tensor ||
        indptr->kind != K::Tensor || data->kind != K::Tensor)
      fail("{}: sparse matrix lacks _shape/indices/indptr/data", what);
    const std::vector<int64_t> shape = int_tuple(*shape_value, what);
    if (shape.size() != 2)
      fail("{}: sparse matrix of rank {}", what, shape.size());
    checked_numel(shape, 1000 * uint64_t(c.input_size) + (1u << 20), what);
    const bool csc = object->name == "csc_matrix";
    const int64_t major = csc ? shape[1] : shape[0];
    const auto ptr = indptr->tensor.to(at::kLong).contiguous();
    const auto idx = indices->tensor.to(at::kLong).contiguous();
    const auto values = data->tensor.to(at::kDouble).contiguous();
    if (ptr.numel() != major + 1 || idx.numel() != values.numel())
      fail("{}: inconsistent sparse arrays", what);
    at::Tensor dense = at::zeros(shape, at::TensorOptions().dtype(at::kDouble));
    const int64_t* p = ptr.data_ptr<int64_t>();
    const int64_t* ix = idx.data_ptr<int64_t>();
    const double* v = values.data_ptr<double>();
    auto d = dense.accessor<double, 2>();
    const int64_t minor = csc ? shape[0] : shape[1];
    for (int64_t j = 0; j < major; ++j) {
      if (p[j] < 0 || p[j] > p[j + 1] || p[j + 1] > idx.numel())
        fail("{}: corrupt indptr", what);
      for (int64_t k = p[j]; k < p[j + 1]; ++k) {
        if (ix[k] < 0 || ix[k] >= minor)
          fail("{}: index {} out of range", what, ix[k]);
        (csc ? d[ix[k]][j] : d[j][ix[k]]) += v[k];
      }
    }
    object->tensor = dense.to(data->tensor.scalar_type());
    object->dtype = data->dtype;
    object->kind = K::Tensor;
    return;
  }
  if (object->module.rfind("chumpy", 0) == 0 && object->kind == K::Object) {
    // chumpy's state holds the array under 'x': the array is all we need.
    const auto x = state->kind == K::Dict ? state->get("x") : nullptr;
    if (!x || x->kind != K::Tensor)
      fail("{}: chumpy object without an array 'x'", what);
    object->kind = K::Tensor;
    object->tensor = x->tensor;
    object->dtype = x->dtype;
    object->fortran_order = x->fortran_order;
    return;
  }
  if (object->kind == K::Dict || object->kind == K::Object) {
    object->state = state; // OrderedDict._metadata and other attributes
    return;
  }
  fail("{}: BUILD on {}", c.where(), object->kind_name());
}

} // namespace drig::formats
