#pragma once

// The identity policy of every edit: sample, measure whether the result
// still shows the person, sample again with the next seeds while it does not
// (keeping the most alike). EditEngine::run applies it for infer and the
// Studio's Generate and Export alike.
#include "training/edit/edit_engine.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace drig {
class OptionCheck;
}

namespace drig::identity {
class IdentityGuard;
}

namespace drig::editing {

struct IdentityPolicy {
  std::shared_ptr<const identity::IdentityGuard> guard; // null: identity not measured
  double min_similarity = 0; // below it, more seeds are tried; 0 = measure only
  int retries = 0;           // at most this many more seeds
  // Every problem at once (see OptionCheck).
  void check(OptionCheck& check) const;
};

struct IdentityReport {
  bool guarded = false;  // a guard was there
  bool measured = false; // and it found the face in the result
  double similarity = 0; // 1 - descriptor distance, source crop vs result
  // What each shows (index into face::kExpressionLabels, -1 = not measured).
  int source_expression = -1, result_expression = -1;
  double source_probability = 0, result_probability = 0;
  std::string failure; // why the guard could not measure the result
  int retries = 0;     // more seeds sampled for the minimum
  int64_t seed = 0;    // the seed whose result was kept
  // "identity 0.83 (same person); 2 more seed(s) tried for <minimum> 0.80,
  // kept seed 7", or why it was not measured. `minimum` names the setting
  // as the front end calls it.
  std::string summary(double min_similarity = 0,
                      const std::string& minimum = "a minimum identity of") const;
};

struct GuardedResult {
  EditResult result;
  IdentityReport identity;
};

// One sampling of the edit from x_T = `noise` (undefined: the edit's seed).
using EditSampler = std::function<EditResult(const at::Tensor& noise)>;

// Samples once with `first_noise`, then, while the policy's minimum is not
// met, with the noise of seeds seed + 1, seed + 2, ...; keeps the most alike.
// A result in which the guard finds no face counts as not measured.
GuardedResult sample_with_identity(const PreparedPhoto& photo, const EditSampler& sample,
                                   const at::Tensor& first_noise, int64_t seed, int64_t image_size,
                                   const IdentityPolicy& policy, const JobContext& job = {});

} // namespace drig::editing
