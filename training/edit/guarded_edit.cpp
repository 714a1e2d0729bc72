#include "training/edit/guarded_edit.h"

#include "model/base/error.h"
#include "model/base/options.h"
#include "model/face_api/face_expression.h"
#include "model/random.h"
#include "training/edit/identity_guard.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace drig::editing {

std::string IdentityReport::summary(double min_similarity, const std::string& minimum) const {
  if (!guarded)
    return "identity not measured (no face-api models)";
  if (!measured)
    return "identity not measured: " + (failure.empty() ? std::string("no result") : failure);
  const double t = identity::IdentityGuard::threshold();
  std::string line = fmt::format("identity {:.2f} ({})", similarity,
                                 similarity >= t ? "same person" : "looks like someone else");
  if (retries > 0)
    line += fmt::format("; {} more seed(s) tried for {} {:.2f}, kept seed {}", retries, minimum,
                        min_similarity, seed);
  return line;
}

namespace {

// The guard's verdict, or nothing (and why) when it could not compare.
std::optional<identity::EditCheck> check(const identity::IdentityGuard& guard,
                                         const PreparedPhoto& photo, const EditResult& r,
                                         std::string* failure) {
  try {
    return guard.check_edit(photo, r.crop);
  } catch (const CancelledError&) {
    throw;
  } catch (const std::exception& e) {
    *failure = e.what();
    return std::nullopt;
  }
}

} // namespace

void IdentityPolicy::check(OptionCheck& c) const {
  c.require(retries >= 0 && retries <= 20,
            fmt::format("identity retries must be 0..20, got {}", retries));
  c.require(min_similarity >= 0 && min_similarity <= 1,
            fmt::format("the minimum identity must be 0..1, got {}", min_similarity));
}

GuardedResult sample_with_identity(const PreparedPhoto& photo, const EditSampler& sample,
                                   const at::Tensor& first_noise, int64_t seed, int64_t image_size,
                                   const IdentityPolicy& policy, const JobContext& job) {
  OptionCheck checked;
  policy.check(checked);
  checked.throw_if_failed("identity policy");
  GuardedResult out{sample(first_noise), {}};
  out.identity.seed = seed;
  if (!policy.guard)
    return out;
  out.identity.guarded = true;
  std::optional<identity::EditCheck> best =
      check(*policy.guard, photo, out.result, &out.identity.failure);
  for (int k = 1; best && policy.min_similarity > 0 && best->similarity < policy.min_similarity &&
                  k <= policy.retries;
       ++k) {
    if (job.cancel.cancelled())
      throw CancelledError();
    EditResult again =
        sample(at::randn({1, 3, image_size, image_size}, make_generator(uint64_t(seed + k))));
    const std::optional<identity::EditCheck> c =
        check(*policy.guard, photo, again, &out.identity.failure);
    ++out.identity.retries;
    if (c && c->similarity > best->similarity) {
      best = c;
      out.result = std::move(again);
      out.identity.seed = seed + k;
    }
  }
  if (best) {
    IdentityReport& r = out.identity;
    r.measured = true;
    r.similarity = best->similarity;
    r.source_expression = best->source_expression;
    r.result_expression = best->result_expression;
    r.source_probability = best->source_probability;
    r.result_probability = best->result_probability;
  }
  return out;
}

} // namespace drig::editing
