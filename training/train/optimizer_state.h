#pragma once

// Adam's state in the layout Python's Adam.state_dict() has (torch 1.11, the
// original's): {"state": {index: {"step", "exp_avg", "exp_avg_sq"}},
// "param_groups": [{"lr", "betas", "eps", "weight_decay", "amsgrad",
// "maximize", "params": [0..n-1]}]}, indices over all parameters in order.
// The original's opt%06d.pt holds exactly this.
#include "model/formats/pickle.h"

#include <filesystem>

namespace torch::optim {
class Adam;
}

namespace drig::training {

formats::PickleRef adam_state_tree(torch::optim::Adam& adam);
// Error naming `source` when the tree does not fit this optimizer's parameters.
void restore_adam_state(torch::optim::Adam& adam, const formats::PickleValue& tree,
                        const std::string& source);

} // namespace drig::training
