#pragma once

#include "model/formats/torch_checkpoint.h"

#include <filesystem>
#include <ostream>
#include <string>

namespace drig::formats {

// Writes `tensors` as a state_dict (an OrderedDict of name -> tensor) in
// torch.save's zip format, readable by Python's torch.load + load_state_dict.
// Tensors that share a storage share it in the file too. The file is written
// atomically. `archive_root` defaults to the file's stem, as torch.save does.
void save_state_dict(const std::filesystem::path& path, const NamedTensors& tensors,
                     std::string archive_root = {});
void write_state_dict(std::ostream& out, const NamedTensors& tensors,
                      const std::string& archive_root);

} // namespace drig::formats
