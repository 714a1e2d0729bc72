#include "tests/support/keys_tsv.h"

#include <torch/torch.h>

#include <fstream>
#include <sstream>

namespace drig::test {

formats::NamedTensors meta_state_dict(const std::filesystem::path& keys_tsv) {
  std::ifstream in(keys_tsv);
  std::string line;
  std::getline(in, line); // header
  formats::NamedTensors out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, shape, dtype;
    std::getline(fields, key, '\t');
    std::getline(fields, shape, '\t');
    std::getline(fields, dtype, '\t');
    std::vector<int64_t> sizes;
    std::istringstream dims(shape.substr(1, shape.size() - 2));
    for (std::string d; std::getline(dims, d, ',');)
      sizes.push_back(std::stoll(d));
    out.emplace_back(key, at::empty(sizes, at::TensorOptions().device(at::kMeta).dtype(
                                               dtype == "int64" ? at::kLong : at::kFloat)));
  }
  return out;
}

} // namespace drig::test
