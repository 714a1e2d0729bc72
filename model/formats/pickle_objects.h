#pragma once

// The semantics of the few classes the unpickler knows: what REDUCE, NEWOBJ
// and BUILD mean for them, turned into plain data. Internal to pickle.cpp and
// the checkpoint readers.
#include "model/formats/pickle.h"

#include <string>
#include <string_view>

namespace drig::formats {

struct UnpickleContext {
  const UnpickleOptions& options;
  size_t input_size; // bounds what a pickle may make us allocate
  std::string where() const { return options.source; }
};

// module.name after mapping Python 2 names (__builtin__ -> builtins, copy_reg -> copyreg).
std::pair<std::string, std::string> canonical_global(std::string_view module,
                                                     std::string_view name);

PickleRef apply_reduce(const PickleRef& callable, const PickleRef& args,
                       const UnpickleContext& context);
PickleRef apply_newobj(const PickleRef& cls, const PickleRef& args, const UnpickleContext& context);
// Mutates `object` in place (other references to it see the change).
void apply_build(const PickleRef& object, const PickleRef& state, const UnpickleContext& context);

} // namespace drig::formats
