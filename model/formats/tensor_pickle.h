#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

namespace drig::formats {

// A tensor as Python's plain pickle.dump writes it (protocol 4):
// torch._utils._rebuild_tensor_v2(torch.storage._load_from_bytes(<legacy
// torch.save stream of the storage>), offset, size, stride, False, OrderedDict()).
// The original writes DiffusionRig's LMDB values this way ("cpu") and
// mean_shape.pkl ("cuda:0", as a CUDA tensor was pickled). The tensor is
// written contiguous from a fresh storage (what .cpu()/.clone() gives).
std::string pickle_tensor(const at::Tensor& tensor, const std::string& location = "cpu");

// Reads such a pickle (any storage location, mapped to the CPU). Throws
// drig::Error naming `source` when the bytes are not a pickled tensor.
at::Tensor unpickle_tensor(const std::string& bytes, const std::string& source);

} // namespace drig::formats
