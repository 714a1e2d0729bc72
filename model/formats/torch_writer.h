#pragma once

#include "model/formats/torch_checkpoint.h"

#include <filesystem>
#include <ostream>
#include <string>

namespace drig::formats {

// Writes any object tree Python's torch.load reads back as the same object:
// dicts (OrderedDict when `ordered`), lists, tuples, str, bytes, int, float,
// bool, None and tensors, in torch.save's zip format. Tensors sharing a
// storage share it in the file too. That covers state_dicts and optimizer
// states (Adam: {"state": {0: {...}}, "param_groups": [...]}).
void write_torch_object(std::ostream& out, const PickleValue& root,
                        const std::string& archive_root);
// Atomic file version; `archive_root` defaults to the file's stem, as torch.save does.
void save_torch_object(const std::filesystem::path& path, const PickleValue& root,
                       std::string archive_root = {});

// A state_dict (an OrderedDict of name -> tensor), readable by Python's
// torch.load + load_state_dict.
void save_state_dict(const std::filesystem::path& path, const NamedTensors& tensors,
                     std::string archive_root = {});
void write_state_dict(std::ostream& out, const NamedTensors& tensors,
                      const std::string& archive_root);

// Builders for object trees to save.
PickleRef make_string(std::string text);
PickleRef make_int(int64_t value);
PickleRef make_float(double value);
PickleRef make_tensor(at::Tensor tensor);
PickleRef make_state_dict(const NamedTensors& tensors);

} // namespace drig::formats
