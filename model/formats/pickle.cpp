// A pickle virtual machine that builds data and never runs code. Every length
// is checked against the remaining input, so hostile files fail with an error
// instead of allocating or reading out of bounds.
#include "model/formats/pickle.h"

#include "model/base/error.h"
#include "model/base/options.h"
#include "model/formats/pickle_objects.h"
#include "model/formats/pickle_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace drig::formats {

namespace {

using detail::dismantle;
using detail::little_endian_to_decimal;
using detail::tree_depth;

constexpr int kMaxDepth = 1000;

class Machine {
public:
  ~Machine() {
    // On success the result was moved out; whatever is left is garbage.
    std::vector<PickleRef> rest(stack_.begin(), stack_.end());
    for (auto& [index, value] : memo_)
      rest.push_back(value);
    dismantle(rest, keep_);
  }

  Machine(std::string_view data, const UnpickleOptions& options)
      : data_(data), options_(options), context_{options, data.size()} {}

  PickleRef run() {
    for (;;) {
      op_offset_ = pos_;
      const uint8_t op = byte();
      if (op == '.') {
        if (stack_.size() != 1 || !marks_.empty())
          error("STOP with {} values on the stack", stack_.size());
        if (options_.consumed != nullptr)
          *options_.consumed = pos_;
        const int depth = tree_depth(stack_.back(), kMaxDepth, keep_);
        if (depth < 0)
          error("the object refers to itself (a cycle): not a model file");
        if (depth > kMaxDepth)
          error("objects nested deeper than {} levels: not a model file", kMaxDepth);
        PickleRef result = std::move(stack_.back());
        stack_.clear();
        return result;
      }
      step(op);
    }
  }

private:
  template <typename... Args>
  [[noreturn]] void error(fmt::format_string<Args...> format, Args&&... args) const {
    fail("{}: offset {}: {}", options_.source, op_offset_,
         fmt::format(format, std::forward<Args>(args)...));
  }

  void need(uint64_t n) const {
    if (n > data_.size() - pos_)
      error("truncated: {} bytes needed, {} left", n, data_.size() - pos_);
  }
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint64_t le(int n) {
    need(n);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string_view take(uint64_t n) {
    need(n);
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos)
      error("truncated: missing end of line");
    std::string_view out = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  void push(PickleRef v) { stack_.push_back(std::move(v)); }
  PickleRef pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back()))
      error("stack underflow");
    PickleRef v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PickleRef& top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back()))
      error("stack underflow");
    return stack_.back();
  }
  std::vector<PickleRef> pop_mark() {
    if (marks_.empty())
      error("no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleRef> items(std::make_move_iterator(stack_.begin() + mark),
                                 std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  PickleRef integer(int64_t v) {
    auto r = make_value(PickleValue::Kind::Int);
    r->integer = v;
    return r;
  }
  PickleRef text(PickleValue::Kind kind, std::string_view s, bool py2 = false) {
    auto r = make_value(kind);
    r->text = std::string(s);
    r->py2_str = py2;
    return r;
  }
  PickleRef tuple(std::vector<PickleRef> items) {
    auto r = make_value(PickleValue::Kind::Tuple);
    r->items = std::move(items);
    return r;
  }
  PickleRef py2_string(std::string_view raw) {
    if (options_.encoding == "bytes")
      return text(PickleValue::Kind::Bytes, raw);
    if (options_.encoding == "ascii") {
      for (unsigned char c : raw)
        if (c >= 0x80)
          error("Python 2 string is not ASCII (load with encoding latin1)");
      return text(PickleValue::Kind::String, raw);
    }
    // latin1: keep the raw bytes, because NumPy data inside py2 strings must
    // stay byte-exact; keys are ASCII, so as_string() reads them directly.
    return text(PickleValue::Kind::Bytes, raw, true);
  }
  PickleRef long_from_bytes(std::string_view bytes) {
    if (bytes.size() <= 8) {
      uint64_t v = 0;
      for (size_t i = 0; i < bytes.size(); ++i)
        v |= uint64_t(static_cast<uint8_t>(bytes[i])) << (8 * i);
      if (!bytes.empty() && bytes.size() < 8 && (static_cast<uint8_t>(bytes.back()) & 0x80))
        v |= ~uint64_t(0) << (8 * bytes.size());
      return integer(static_cast<int64_t>(v));
    }
    if (bytes.size() > 1024)
      error("integer of {} bytes is too large", bytes.size());
    return text(PickleValue::Kind::BigInt, little_endian_to_decimal(bytes));
  }
  PickleRef parse_int_line(std::string_view s, bool is_long) {
    if (is_long && !s.empty() && s.back() == 'L')
      s.remove_suffix(1);
    if (!is_long && s == "00")
      return make_bool(false);
    if (!is_long && s == "01")
      return make_bool(true);
    try {
      size_t used = 0;
      const long long v = std::stoll(std::string(s), &used, 10);
      if (used != s.size())
        error("malformed integer '{}'", s);
      return integer(v);
    } catch (const std::out_of_range&) {
      if (!is_long || s.size() > 2500)
        error("integer '{}' does not fit in 64 bits", s.substr(0, 40));
      for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9')
          error("malformed integer '{}'", s.substr(0, 40));
      return text(PickleValue::Kind::BigInt, s);
    } catch (const std::invalid_argument&) {
      error("malformed integer '{}'", s);
    }
  }
  PickleRef make_bool(bool b) {
    auto r = make_value(PickleValue::Kind::Bool);
    r->boolean = b;
    return r;
  }
  std::string_view quoted(std::string_view s) {
    if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
      error("malformed quoted string");
    return s.substr(1, s.size() - 2);
  }
  PickleRef global(std::string_view module, std::string_view name) {
    auto [m, n] = canonical_global(module, name);
    if (!pickle_global_allowed(m, n))
      error("refusing global {}.{}: not on the allowlist of model-file classes (a pickle that "
            "names it may try to run code)",
            m, n);
    auto r = make_value(PickleValue::Kind::Global);
    r->module = m;
    r->name = n;
    return r;
  }
  void memo_put(uint64_t index) {
    if (memo_.size() > data_.size())
      error("memo larger than the input");
    memo_[index] = top();
  }
  PickleRef memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end())
      error("memo entry {} missing", index);
    return it->second;
  }
  void set_items(const PickleRef& dict, std::vector<PickleRef>& items) {
    if (dict->kind != PickleValue::Kind::Dict)
      error("SETITEMS on {}", dict->kind_name());
    if (items.size() % 2 != 0)
      error("odd number of items for a dict");
    for (size_t i = 0; i < items.size(); i += 2) {
      bool replaced = false;
      if (items[i]->is_string())
        for (auto& entry : dict->entries)
          if (entry.first->is_string() && entry.first->text == items[i]->text) {
            entry.second = items[i + 1];
            replaced = true;
          }
      if (!replaced)
        dict->entries.emplace_back(items[i], items[i + 1]);
    }
  }
  void append_items(const PickleRef& list, std::vector<PickleRef>& items) {
    if (list->kind != PickleValue::Kind::List && list->kind != PickleValue::Kind::Set)
      error("APPEND on {}", list->kind_name());
    for (auto& item : items)
      list->items.push_back(std::move(item));
  }
  PickleRef persistent(const PickleRef& id) {
    if (!options_.persistent_load)
      error("persistent reference in a plain pickle");
    return options_.persistent_load(id);
  }

  void step(uint8_t op);

  std::string_view data_;
  const UnpickleOptions& options_;
  UnpickleContext context_;
  size_t pos_ = 0, op_offset_ = 0;
  std::vector<PickleRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleRef> memo_;
  std::unordered_set<const PickleValue*> keep_; // the result's nodes, once there is one
};

void Machine::step(uint8_t op) {
  using K = PickleValue::Kind;
  switch (op) {
  case 0x80: { // PROTO
    const uint8_t protocol = byte();
    if (protocol > 5)
      error("unsupported pickle protocol {}", protocol);
    break;
  }
  case 0x95: // FRAME: only a hint for buffering
    le(8);
    break;
  case '(':
    marks_.push_back(stack_.size());
    break;
  case '0':
    pop();
    break;
  case '1':
    pop_mark();
    break;
  case '2':
    push(top());
    break;
  case 'N':
    push(make_value(K::None));
    break;
  case 0x88:
    push(make_bool(true));
    break;
  case 0x89:
    push(make_bool(false));
    break;
  case 'I':
    push(parse_int_line(line(), false));
    break;
  case 'L':
    push(parse_int_line(line(), true));
    break;
  case 'J':
    push(integer(static_cast<int32_t>(le(4))));
    break;
  case 'K':
    push(integer(byte()));
    break;
  case 'M':
    push(integer(static_cast<int64_t>(le(2))));
    break;
  case 0x8a:
    push(long_from_bytes(take(byte())));
    break;
  case 0x8b: {
    const int32_t n = static_cast<int32_t>(le(4));
    if (n < 0)
      error("negative LONG4 length");
    push(long_from_bytes(take(static_cast<uint64_t>(n))));
    break;
  }
  case 'F': {
    auto r = make_value(K::Float);
    const std::string s(line());
    char* end = nullptr;
    r->real = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size())
      error("malformed float '{}'", s);
    push(r);
    break;
  }
  case 'G': {
    const uint64_t bits = le(8);
    uint64_t swapped = __builtin_bswap64(bits); // big-endian on the wire
    auto r = make_value(K::Float);
    std::memcpy(&r->real, &swapped, 8);
    push(r);
    break;
  }
  case 'S': { // protocol 0 py2 str, repr-quoted
    push(py2_string(quoted(line())));
    break;
  }
  case 'T': {
    const int32_t n = static_cast<int32_t>(le(4));
    if (n < 0)
      error("negative string length");
    push(py2_string(take(static_cast<uint64_t>(n))));
    break;
  }
  case 'U':
    push(py2_string(take(byte())));
    break;
  case 'V': // raw-unicode-escape text; ASCII is what model files hold
    push(text(K::String, line()));
    break;
  case 'X':
    push(text(K::String, take(le(4))));
    break;
  case 0x8c:
    push(text(K::String, take(byte())));
    break;
  case 0x8d:
    push(text(K::String, take(le(8))));
    break;
  case 'B':
    push(text(K::Bytes, take(le(4))));
    break;
  case 'C':
    push(text(K::Bytes, take(byte())));
    break;
  case 0x8e:
  case 0x96: // BYTEARRAY8
    push(text(K::Bytes, take(le(8))));
    break;
  case ')':
    push(tuple({}));
    break;
  case 't':
    push(tuple(pop_mark()));
    break;
  case 0x85: {
    auto a = pop();
    push(tuple({a}));
    break;
  }
  case 0x86: {
    auto b = pop(), a = pop();
    push(tuple({a, b}));
    break;
  }
  case 0x87: {
    auto c = pop(), b = pop(), a = pop();
    push(tuple({a, b, c}));
    break;
  }
  case ']':
    push(make_value(K::List));
    break;
  case 'l': {
    auto r = make_value(K::List);
    r->items = pop_mark();
    push(r);
    break;
  }
  case 'a': {
    std::vector<PickleRef> item{pop()};
    append_items(top(), item);
    break;
  }
  case 'e': {
    auto items = pop_mark();
    append_items(top(), items);
    break;
  }
  case '}':
    push(make_value(K::Dict));
    break;
  case 'd': {
    auto items = pop_mark();
    auto r = make_value(K::Dict);
    set_items(r, items);
    push(r);
    break;
  }
  case 's': {
    auto v = pop(), k = pop();
    std::vector<PickleRef> items{k, v};
    set_items(top(), items);
    break;
  }
  case 'u': {
    auto items = pop_mark();
    set_items(top(), items);
    break;
  }
  case 0x8f:
    push(make_value(K::Set));
    break;
  case 0x90: {
    auto items = pop_mark();
    append_items(top(), items);
    break;
  }
  case 0x91: {
    auto r = make_value(K::Set);
    r->items = pop_mark();
    push(r);
    break;
  }
  case 'p': {
    const std::string_view s = line();
    memo_put(static_cast<uint64_t>(parse_int_line(s, false)->integer));
    break;
  }
  case 'q':
    memo_put(byte());
    break;
  case 'r':
    memo_put(le(4));
    break;
  case 0x94:
    memo_put(memo_.size());
    break;
  case 'g':
    push(memo_get(static_cast<uint64_t>(parse_int_line(line(), false)->integer)));
    break;
  case 'h':
    push(memo_get(byte()));
    break;
  case 'j':
    push(memo_get(le(4)));
    break;
  case 'c': {
    const std::string module(line());
    const std::string name(line());
    push(global(module, name));
    break;
  }
  case 0x93: {
    auto name = pop(), module = pop();
    if (!module->is_string() || !name->is_string())
      error("STACK_GLOBAL needs two strings");
    push(global(module->text, name->text));
    break;
  }
  case 'R': {
    auto args = pop();
    auto callable = pop();
    push(apply_reduce(callable, args, context_));
    break;
  }
  case 0x81: {
    auto args = pop();
    auto cls = pop();
    push(apply_newobj(cls, args, context_));
    break;
  }
  case 0x92: {
    pop(); // kwargs: none of the allowlisted classes take any
    auto args = pop();
    auto cls = pop();
    push(apply_newobj(cls, args, context_));
    break;
  }
  case 'i': {
    const std::string module(line());
    const std::string name(line());
    auto cls = global(module, name);
    push(apply_newobj(cls, tuple(pop_mark()), context_));
    break;
  }
  case 'o': {
    auto items = pop_mark();
    if (items.empty())
      error("OBJ without a class");
    auto cls = items.front();
    items.erase(items.begin());
    push(apply_newobj(cls, tuple(std::move(items)), context_));
    break;
  }
  case 'b': {
    auto state = pop();
    apply_build(top(), state, context_);
    break;
  }
  case 'P':
    push(persistent(text(K::String, line())));
    break;
  case 'Q':
    push(persistent(pop()));
    break;
  case 0x82:
  case 0x83:
  case 0x84:
    error("extension-registry opcodes are not used by model files");
  case 0x97:
  case 0x98:
    error("out-of-band buffers are not supported");
  default:
    error("unknown opcode 0x{:02x}", op);
  }
}

} // namespace

void UnpickleOptions::check(OptionCheck& c) const {
  c.require(
      encoding == "latin1" || encoding == "bytes" || encoding == "ascii",
      fmt::format("unknown encoding '{}' for Python 2 strings (latin1, bytes or ascii)", encoding));
  c.require(!source.empty(), "the source of the bytes needs a name (for messages)");
}

PickleRef unpickle(std::string_view data, const UnpickleOptions& options) {
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed(options.source + ": unpickle");
  if (options.max_nesting < 0)
    fail("{}: nested pickles too deep", options.source);
  try {
    return Machine(data, options).run();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // c10 errors from tensor construction, bad_alloc, ...: still name the file.
    fail("{}: {}", options.source, e.what());
  }
}

} // namespace drig::formats
