#include "model/networks/diffusionrig_model.h"

#include "model/base/error.h"

#include <torch/torch.h>

#include <fmt/format.h>

#include <map>
#include <set>

namespace drig::networks {

DiffusionRigImpl::DiffusionRigImpl(const DiffusionRigConfig& config) {
  denoisingUNet = register_module("denoisingUNet", UNet(config));
  encoder = register_module("encoder", ResNetEncoder(config.encoder_type, config.latent_dim));
}

formats::NamedTensors state_dict(const torch::nn::Module& module) {
  // Module::named_parameters/buffers list a module's own entries per submodule
  // in registration order; state_dict interleaves them per module.
  formats::NamedTensors out;
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false))
      out.emplace_back(prefix + p.key(), p.value());
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false))
      out.emplace_back(prefix + b.key(), b.value());
  }
  return out;
}

void load_state_dict(torch::nn::Module& module, const formats::NamedTensors& tensors,
                     const std::string& source) {
  const std::map<std::string, at::Tensor> values(tensors.begin(), tensors.end());
  std::vector<std::string> missing, mismatched;
  const formats::NamedTensors expected = state_dict(module);
  std::set<std::string> known;
  for (const auto& [name, target] : expected) {
    known.insert(name);
    auto it = values.find(name);
    if (it == values.end())
      missing.push_back(name);
    else if (it->second.sizes() != target.sizes())
      mismatched.push_back(fmt::format("{} (checkpoint [{}], model [{}])", name,
                                       fmt::join(it->second.sizes(), ","),
                                       fmt::join(target.sizes(), ",")));
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : values)
    if (!known.count(name))
      unexpected.push_back(name);
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    const auto list = [](const std::vector<std::string>& names) {
      std::string text;
      for (size_t i = 0; i < names.size() && i < 20; ++i)
        text += "\n    " + names[i];
      if (names.size() > 20)
        text += fmt::format("\n    ... {} more", names.size() - 20);
      return text;
    };
    fail("{}: does not fit the model: {} missing, {} unexpected, {} with another shape{}{}{}",
         source, missing.size(), unexpected.size(), mismatched.size(),
         missing.empty() ? "" : "\n  missing:" + list(missing),
         unexpected.empty() ? "" : "\n  unexpected:" + list(unexpected),
         mismatched.empty() ? "" : "\n  shape:" + list(mismatched));
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : expected)
    target.copy_(values.at(name));
}

} // namespace drig::networks
