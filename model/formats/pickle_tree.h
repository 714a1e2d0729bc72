#pragma once

// Whole-tree operations of the unpickler that must not recurse: a hostile
// file can nest a million levels deep or refer to itself.
#include "model/formats/pickle.h"

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace drig::formats::detail {

// Two's complement little-endian bytes (LONG1/LONG4) to decimal text.
std::string little_endian_to_decimal(std::string_view bytes);

// Cuts every link below `roots` without recursion, so destroying them neither
// overflows the stack nor leaks cycles. Nodes in `keep` are left alone.
void dismantle(const std::vector<PickleRef>& roots,
               const std::unordered_set<const PickleValue*>& keep = {});

// The depth of the tree below `root`, or -1 when it has a cycle; stops
// counting past `limit`. `reachable` receives the nodes visited.
int tree_depth(const PickleRef& root, int limit, std::unordered_set<const PickleValue*>& reachable);

} // namespace drig::formats::detail
