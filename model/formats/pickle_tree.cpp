#include "model/formats/pickle_tree.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace drig::formats::detail {
namespace {

template <typename F>
void for_each_child(const PickleValue& v, F&& f) {
  for (const auto& item : v.items)
    f(item);
  for (const auto& [key, value] : v.entries) {
    f(key);
    f(value);
  }
  if (v.state)
    f(v.state);
}

} // namespace

std::string little_endian_to_decimal(std::string_view bytes) {
  std::vector<uint8_t> magnitude(bytes.begin(), bytes.end());
  const bool negative = !magnitude.empty() && (magnitude.back() & 0x80);
  if (negative) { // negate: invert and add one
    unsigned carry = 1;
    for (auto& b : magnitude) {
      const unsigned v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
  }
  std::string digits;
  while (true) {
    bool zero = true;
    unsigned remainder = 0;
    for (size_t i = magnitude.size(); i-- > 0;) {
      const unsigned v = (remainder << 8) | magnitude[i];
      magnitude[i] = static_cast<uint8_t>(v / 10);
      remainder = v % 10;
      zero = zero && magnitude[i] == 0;
    }
    digits += static_cast<char>('0' + remainder);
    if (zero)
      break;
  }
  if (negative)
    digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

void dismantle(const std::vector<PickleRef>& roots,
               const std::unordered_set<const PickleValue*>& keep) {
  std::vector<PickleRef> pending(roots.begin(), roots.end()), all;
  std::unordered_set<const PickleValue*> seen(keep.begin(), keep.end());
  while (!pending.empty()) {
    PickleRef v = std::move(pending.back());
    pending.pop_back();
    if (!v || !seen.insert(v.get()).second)
      continue;
    for_each_child(*v, [&](const PickleRef& c) { pending.push_back(c); });
    all.push_back(std::move(v));
  }
  for (const PickleRef& v : all) {
    v->items.clear();
    v->entries.clear();
    v->state.reset();
  }
}

int tree_depth(const PickleRef& root, int limit,
               std::unordered_set<const PickleValue*>& reachable) {
  struct Frame {
    const PickleValue* node;
    int depth;
    bool leaving;
  };
  std::unordered_map<const PickleValue*, int> state; // 1 = on the path, 2 = done
  std::vector<Frame> stack{{root.get(), 1, false}};
  int deepest = 0;
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    if (f.leaving) {
      state[f.node] = 2;
      continue;
    }
    auto [it, fresh] = state.emplace(f.node, 1);
    if (!fresh) {
      if (it->second == 1)
        return -1;
      continue;
    }
    deepest = std::max(deepest, f.depth);
    if (deepest > limit)
      return deepest;
    stack.push_back({f.node, f.depth, true});
    for_each_child(*f.node, [&](const PickleRef& c) {
      auto s = state.find(c.get());
      if (s != state.end() && s->second == 1)
        deepest = -1;
      else
        stack.push_back({c.get(), f.depth + 1, false});
    });
    if (deepest < 0)
      return -1;
  }
  for (const auto& [node, mark] : state)
    reachable.insert(node);
  return deepest;
}

} // namespace drig::formats::detail
