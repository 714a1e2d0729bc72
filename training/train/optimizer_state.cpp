#include "training/train/optimizer_state.h"

#include "model/base/error.h"
#include "model/formats/torch_writer.h"

#include <torch/optim/adam.h>

#include <sstream>
#include <type_traits>

namespace drig::training {
namespace {

using formats::PickleRef;
using formats::PickleValue;

PickleRef node(PickleValue::Kind kind) {
  auto v = std::make_shared<PickleValue>();
  v->kind = kind;
  return v;
}

PickleRef boolean(bool b) {
  auto v = node(PickleValue::Kind::Bool);
  v->boolean = b;
  return v;
}

void put(PickleValue& dict, const std::string& key, PickleRef value) {
  dict.entries.emplace_back(formats::make_string(key), std::move(value));
}

// LibTorch keys Adam's state by the parameter's TensorImpl: as a string of
// its address in 1.x, as the pointer itself in 2.x.
template <typename Map>
typename Map::key_type state_key(const Map&, const at::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << static_cast<const void*>(p.unsafeGetTensorImpl());
    return text.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

} // namespace

PickleRef adam_state_tree(torch::optim::Adam& adam) {
  DRIG_CHECK(adam.param_groups().size() == 1, "one parameter group expected");
  auto& group = adam.param_groups()[0];
  const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
  auto state = node(PickleValue::Kind::Dict);
  auto params = node(PickleValue::Kind::List);
  int64_t index = 0;
  for (const at::Tensor& p : group.params()) {
    params->items.push_back(formats::make_int(index));
    const auto found = adam.state().find(state_key(adam.state(), p));
    if (found != adam.state().end()) {
      const auto& s = static_cast<const torch::optim::AdamParamState&>(*found->second);
      auto entry = node(PickleValue::Kind::Dict);
      put(*entry, "step", formats::make_int(s.step()));
      put(*entry, "exp_avg", formats::make_tensor(s.exp_avg().detach().to(at::kCPU)));
      put(*entry, "exp_avg_sq", formats::make_tensor(s.exp_avg_sq().detach().to(at::kCPU)));
      state->entries.emplace_back(formats::make_int(index), entry);
    }
    ++index;
  }
  auto g = node(PickleValue::Kind::Dict);
  put(*g, "lr", formats::make_float(options.lr()));
  auto betas = node(PickleValue::Kind::Tuple);
  betas->items = {formats::make_float(std::get<0>(options.betas())),
                  formats::make_float(std::get<1>(options.betas()))};
  put(*g, "betas", betas);
  put(*g, "eps", formats::make_float(options.eps()));
  put(*g, "weight_decay", formats::make_float(options.weight_decay()));
  put(*g, "amsgrad", boolean(options.amsgrad()));
  put(*g, "maximize", boolean(false));
  put(*g, "params", params);
  auto groups = node(PickleValue::Kind::List);
  groups->items.push_back(g);
  auto root = node(PickleValue::Kind::Dict);
  put(*root, "state", state);
  put(*root, "param_groups", groups);
  return root;
}

void restore_adam_state(torch::optim::Adam& adam, const PickleValue& tree,
                        const std::string& source) {
  DRIG_CHECK(tree.kind == PickleValue::Kind::Dict, "{}: not an optimizer state", source);
  const PickleRef state = tree.get("state");
  const PickleRef groups = tree.get("param_groups");
  DRIG_CHECK(state && state->kind == PickleValue::Kind::Dict && groups &&
                 groups->kind == PickleValue::Kind::List && groups->items.size() == 1,
             "{}: not an Adam state with one parameter group", source);
  auto& group = adam.param_groups()[0];
  const std::vector<at::Tensor>& params = group.params();
  const PickleRef saved_params = groups->items[0]->get("params");
  DRIG_CHECK(saved_params && saved_params->items.size() == params.size(),
             "{}: the optimizer state is for {} parameters, this model has {}", source,
             saved_params ? saved_params->items.size() : 0, params.size());
  adam.state().clear();
  for (const auto& [key, value] : state->entries) {
    const int64_t index = key->as_int("optimizer state index");
    DRIG_CHECK(index >= 0 && index < int64_t(params.size()), "{}: state for parameter {}", source,
               index);
    const at::Tensor& p = params[size_t(index)];
    const PickleRef avg = value->get("exp_avg"), avg_sq = value->get("exp_avg_sq"),
                    step = value->get("step");
    DRIG_CHECK(avg && avg_sq && step && avg->kind == PickleValue::Kind::Tensor &&
                   avg_sq->kind == PickleValue::Kind::Tensor && avg->tensor.sizes() == p.sizes() &&
                   avg_sq->tensor.sizes() == p.sizes(),
               "{}: the Adam state of parameter {} does not fit its shape {}", source, index,
               c10::str(p.sizes()));
    auto s = std::make_unique<torch::optim::AdamParamState>();
    // torch >= 1.12 stores the step as a 0-d tensor, 1.11 as an int.
    s->step(step->kind == PickleValue::Kind::Tensor ? step->tensor.item<int64_t>()
                                                    : step->as_int("step"));
    s->exp_avg(avg->tensor.to(p.device(), p.scalar_type()).clone());
    s->exp_avg_sq(avg_sq->tensor.to(p.device(), p.scalar_type()).clone());
    adam.state()[state_key(adam.state(), p)] = std::move(s);
  }
  const PickleRef lr = groups->items[0]->get("lr");
  if (lr)
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr->as_number("lr"));
}

} // namespace drig::training
