#include "model/diffusion/schedule.h"

#include "model/base/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>

namespace drig::diffusion {

std::vector<double> named_beta_schedule(const std::string& name, int64_t steps) {
  DRIG_CHECK(steps > 0, "diffusion steps must be positive, got {}", steps);
  std::vector<double> betas(static_cast<size_t>(steps));
  if (name == "linear") {
    // np.linspace(1e-4 * s, 0.02 * s, T) with s = 1000 / T, in float64.
    const double scale = 1000.0 / double(steps);
    const double start = scale * 0.0001, end = scale * 0.02;
    const double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
    for (int64_t i = 0; i < steps; ++i)
      betas[i] = double(i) * step + start; // numpy's order of operations
    if (steps > 1)
      betas.back() = end; // linspace hits the end point exactly
    return betas;
  }
  if (name == "cosine") {
    const auto alpha_bar = [](double t) {
      const double c = std::cos((t + 0.008) / 1.008 * std::numbers::pi / 2);
      return c * c;
    };
    for (int64_t i = 0; i < steps; ++i) {
      const double t1 = double(i) / double(steps), t2 = double(i + 1) / double(steps);
      betas[i] = std::min(1.0 - alpha_bar(t2) / alpha_bar(t1), 0.999);
    }
    return betas;
  }
  fail("unknown noise schedule '{}' (expected linear or cosine)", name);
}

std::vector<int64_t> space_timesteps(int64_t steps, const std::string& spec) {
  std::vector<int64_t> out;
  if (spec.empty()) {
    for (int64_t t = 0; t < steps; ++t)
      out.push_back(t);
    return out;
  }
  if (spec.rfind("ddim", 0) == 0) {
    int64_t wanted = 0;
    try {
      size_t used = 0;
      wanted = std::stoll(spec.substr(4), &used);
      DRIG_CHECK(used == spec.size() - 4, "bad respacing '{}'", spec);
    } catch (const std::logic_error&) {
      fail("bad respacing '{}' (expected ddimN, e.g. ddim20)", spec);
    }
    for (int64_t stride = 1; stride < steps; ++stride)
      if ((steps + stride - 1) / stride == wanted) {
        for (int64_t t = 0; t < steps; t += stride)
          out.push_back(t);
        return out;
      }
    fail("cannot create exactly {} steps with an integer stride from {} ('{}')", wanted, steps,
         spec);
  }
  std::vector<int64_t> counts;
  std::stringstream list(spec);
  for (std::string item; std::getline(list, item, ',');) {
    try {
      size_t used = 0;
      counts.push_back(std::stoll(item, &used));
      DRIG_CHECK(used == item.size() && counts.back() >= 0, "bad respacing '{}'", spec);
    } catch (const std::logic_error&) {
      fail("bad respacing '{}' (expected ddimN or comma-separated step counts)", spec);
    }
  }
  DRIG_CHECK(!counts.empty(), "bad respacing '{}'", spec);
  const int64_t sections = static_cast<int64_t>(counts.size());
  const int64_t size_per = steps / sections, extra = steps % sections;
  std::set<int64_t> taken;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    const int64_t size = size_per + (i < extra ? 1 : 0);
    DRIG_CHECK(size >= counts[i], "cannot divide a section of {} steps into {} ('{}')", size,
               counts[i], spec);
    // As the original: a float accumulator rounded half to even (Python's round()).
    const double stride = counts[i] <= 1 ? 1.0 : double(size - 1) / double(counts[i] - 1);
    double current = 0.0;
    for (int64_t j = 0; j < counts[i]; ++j) {
      taken.insert(start + static_cast<int64_t>(std::nearbyint(current)));
      current += stride;
    }
    start += size;
  }
  return {taken.begin(), taken.end()};
}

Schedule Schedule::from_betas(std::vector<double> betas) {
  Schedule s;
  const size_t n = betas.size();
  DRIG_CHECK(n > 0, "empty beta schedule");
  for (double b : betas)
    DRIG_CHECK(b > 0.0 && b <= 1.0, "betas must lie in (0, 1], got {}", b);
  s.betas = std::move(betas);
  s.alphas_cumprod.resize(n);
  double product = 1.0;
  for (size_t i = 0; i < n; ++i)
    s.alphas_cumprod[i] = product *= 1.0 - s.betas[i];
  s.alphas_cumprod_prev.assign(1, 1.0);
  s.alphas_cumprod_prev.insert(s.alphas_cumprod_prev.end(), s.alphas_cumprod.begin(),
                               s.alphas_cumprod.end() - 1);
  s.alphas_cumprod_next.assign(s.alphas_cumprod.begin() + 1, s.alphas_cumprod.end());
  s.alphas_cumprod_next.push_back(0.0);
  const auto map = [&](auto f) {
    std::vector<double> out(n);
    for (size_t i = 0; i < n; ++i)
      out[i] = f(i);
    return out;
  };
  const auto& ac = s.alphas_cumprod;
  const auto& prev = s.alphas_cumprod_prev;
  s.sqrt_alphas_cumprod = map([&](size_t i) { return std::sqrt(ac[i]); });
  s.sqrt_one_minus_alphas_cumprod = map([&](size_t i) { return std::sqrt(1.0 - ac[i]); });
  s.log_one_minus_alphas_cumprod = map([&](size_t i) { return std::log(1.0 - ac[i]); });
  s.sqrt_recip_alphas_cumprod = map([&](size_t i) { return std::sqrt(1.0 / ac[i]); });
  s.sqrt_recipm1_alphas_cumprod = map([&](size_t i) { return std::sqrt(1.0 / ac[i] - 1.0); });
  s.posterior_variance =
      map([&](size_t i) { return s.betas[i] * (1.0 - prev[i]) / (1.0 - ac[i]); });
  // log(0) at t=0 is avoided by repeating the second value, as the original does.
  s.posterior_log_variance_clipped = map([&](size_t i) {
    return std::log(n > 1 && i == 0 ? s.posterior_variance[1] : s.posterior_variance[i]);
  });
  s.posterior_mean_coef1 =
      map([&](size_t i) { return s.betas[i] * std::sqrt(prev[i]) / (1.0 - ac[i]); });
  s.posterior_mean_coef2 =
      map([&](size_t i) { return (1.0 - prev[i]) * std::sqrt(1.0 - s.betas[i]) / (1.0 - ac[i]); });
  s.snr = map([&](size_t i) { return 1.0 / (1.0 - ac[i]) - 1.0; });
  s.timestep_map.resize(n);
  for (size_t i = 0; i < n; ++i)
    s.timestep_map[i] = static_cast<int64_t>(i);
  return s;
}

Schedule Schedule::respaced(const std::vector<int64_t>& use_timesteps) const {
  std::vector<double> betas;
  std::vector<int64_t> map;
  double last = 1.0;
  for (int64_t i = 0; i < size(); ++i)
    if (std::binary_search(use_timesteps.begin(), use_timesteps.end(), i)) {
      betas.push_back(1.0 - alphas_cumprod[i] / last);
      last = alphas_cumprod[i];
      map.push_back(timestep_map[i]);
    }
  DRIG_CHECK(!betas.empty(), "respacing keeps no step of {}", size());
  Schedule out = from_betas(std::move(betas));
  out.timestep_map = std::move(map);
  return out;
}

std::vector<double> Schedule::p2_weight(double gamma, double k) const {
  std::vector<double> out(snr.size());
  for (size_t i = 0; i < snr.size(); ++i)
    out[i] = 1.0 / std::pow(k + snr[i], gamma);
  return out;
}

std::vector<double> Schedule::fixed_large_variance() const {
  std::vector<double> out = betas;
  if (out.size() > 1)
    out[0] = posterior_variance[1];
  return out;
}

Schedule make_schedule(const std::string& noise, int64_t steps, const std::string& respacing) {
  const Schedule base = Schedule::from_betas(named_beta_schedule(noise, steps));
  if (respacing.empty())
    return base;
  return base.respaced(space_timesteps(steps, respacing));
}

} // namespace drig::diffusion
