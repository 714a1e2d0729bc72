#pragma once

#include "model/formats/torch_checkpoint.h"

#include <filesystem>

namespace drig::test {

// A keys.tsv of ../shared/reference/diffusion (key, shape, dtype per line) as
// a state_dict of meta tensors: the names and shapes, no memory.
formats::NamedTensors meta_state_dict(const std::filesystem::path& keys_tsv);

} // namespace drig::test
