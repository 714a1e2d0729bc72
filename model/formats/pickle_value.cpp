#include "model/base/error.h"
#include "model/formats/pickle.h"

#include <fmt/format.h>

namespace drig::formats {

PickleRef make_value(PickleValue::Kind kind) {
  auto value = std::make_shared<PickleValue>();
  value->kind = kind;
  return value;
}

std::string PickleValue::kind_name() const {
  switch (kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
  case Kind::BigInt:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::String:
    return "str";
  case Kind::Bytes:
    return py2_str ? "str (Python 2)" : "bytes";
  case Kind::Tuple:
    return "tuple";
  case Kind::List:
    return "list";
  case Kind::Set:
    return "set";
  case Kind::Dict:
    return ordered ? "OrderedDict" : "dict";
  case Kind::Global:
    return "global " + module + "." + name;
  case Kind::Object:
    return module + "." + name;
  case Kind::Tensor:
    return "tensor";
  }
  return "?";
}

const std::string& PickleValue::as_string(std::string_view what) const {
  if (!is_string())
    fail("{}: expected a string, found {}", what, kind_name());
  return text;
}

int64_t PickleValue::as_int(std::string_view what) const {
  if (kind == Kind::Int)
    return integer;
  if (kind == Kind::Bool)
    return boolean ? 1 : 0;
  fail("{}: expected an integer, found {}", what, kind_name());
}

double PickleValue::as_number(std::string_view what) const {
  if (kind == Kind::Float)
    return real;
  return static_cast<double>(as_int(what));
}

PickleRef PickleValue::get(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k->is_string() && k->text == key)
      return v;
  return nullptr;
}

} // namespace drig::formats
