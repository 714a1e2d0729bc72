// A JSON config with the original's argument names over the architecture a
// checkpoint's weights determine.
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/diffusionrig_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace drig {
namespace {

using nlohmann::json;

// Training, diffusion and script arguments of the original that say nothing
// about the network.
const std::set<std::string>& ignored_keys() {
  static const std::set<std::string> keys = {"data_dir",
                                             "schedule_sampler",
                                             "lr",
                                             "weight_decay",
                                             "batch_size",
                                             "log_interval",
                                             "save_interval",
                                             "resume_checkpoint",
                                             "log_dir",
                                             "num_workers",
                                             "max_steps",
                                             "auto_scale_grad_clip",
                                             "stage",
                                             "use_checkpoint",
                                             "diffusion_steps",
                                             "noise_schedule",
                                             "timestep_respacing",
                                             "use_kl",
                                             "predict_xstart",
                                             "rescale_timesteps",
                                             "rescale_learned_sigmas",
                                             "p2_weight",
                                             "p2_gamma",
                                             "p2_k",
                                             "clip_denoised",
                                             "num_samples",
                                             "use_ddim",
                                             "model_path",
                                             "source",
                                             "target",
                                             "output_dir",
                                             "modes",
                                             "meanshape",
                                             "use_fp16"};
  return keys;
}

// The original parses booleans with str2bool; accept its spellings too.
bool as_bool(const json& v, const std::string& key, const std::string& source) {
  if (v.is_boolean())
    return v.get<bool>();
  if (v.is_number_integer())
    return v.get<int64_t>() != 0;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "yes" || s == "true" || s == "t" || s == "y" || s == "1")
      return true;
    if (s == "no" || s == "false" || s == "f" || s == "n" || s == "0")
      return false;
  }
  fail("{}: \"{}\" must be a boolean, got {}", source, key, v.dump());
}

double as_number(const json& v, const std::string& key, const std::string& source) {
  if (v.is_number())
    return v.get<double>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string s = v.get<std::string>();
      const double d = std::stod(s, &used);
      if (used == s.size())
        return d;
    } catch (const std::exception&) {
    }
  }
  fail("{}: \"{}\" must be a number, got {}", source, key, v.dump());
}

int as_int(const json& v, const std::string& key, const std::string& source) {
  const double d = as_number(v, key, source);
  DRIG_CHECK(d == static_cast<int>(d), "{}: \"{}\" must be an integer, got {}", source, key,
             v.dump());
  return static_cast<int>(d);
}

std::vector<int> int_list(const std::string& text, const std::string& key,
                          const std::string& source) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    try {
      out.push_back(std::stoi(item));
    } catch (const std::exception&) {
      fail("{}: \"{}\" must be a comma list of integers, got \"{}\"", source, key, text);
    }
  return out;
}

std::string as_string(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

template <typename T>
void must_agree(const T& from_weights, const T& from_json, const std::string& key,
                const std::string& source) {
  DRIG_CHECK(from_weights == from_json, "{}: \"{}\" is {} but the checkpoint's weights have {}",
             source, key, fmt::format("{}", from_json), fmt::format("{}", from_weights));
}

} // namespace

void apply_config_json(DiffusionRigConfig& c, const json& j, const std::string& source) {
  DRIG_CHECK(j.is_object(), "{}: a config must be a JSON object of argument names", source);
  // image_size first: channel_mult "" and attention_resolutions depend on it.
  if (j.contains("image_size")) {
    const int size = as_int(j["image_size"], "image_size", source);
    DRIG_CHECK(size > 0, "{}: image_size must be positive", source);
    if (c.image_size != 0)
      must_agree(c.image_size, size, "image_size", source);
    c.image_size = size;
  }
  for (const auto& [key, v] : j.items()) {
    if (key == "image_size" || ignored_keys().count(key))
      continue;
    if (key == "num_channels")
      must_agree(c.model_channels, as_int(v, key, source), key, source);
    else if (key == "num_res_blocks")
      must_agree(c.num_res_blocks, as_int(v, key, source), key, source);
    else if (key == "in_channels")
      must_agree(c.in_channels, as_int(v, key, source), key, source);
    else if (key == "latent_dim")
      must_agree(c.latent_dim, as_int(v, key, source), key, source);
    else if (key == "learn_sigma")
      must_agree(c.learn_sigma, as_bool(v, key, source), key, source);
    else if (key == "use_scale_shift_norm")
      must_agree(c.use_scale_shift_norm, as_bool(v, key, source), key, source);
    else if (key == "resblock_updown")
      must_agree(c.resblock_updown, as_bool(v, key, source), key, source);
    else if (key == "encoder_type")
      must_agree(c.encoder_type, as_string(v), key, source);
    else if (key == "channel_mult") {
      const std::string text = as_string(v);
      if (!text.empty()) {
        std::vector<double> mult;
        for (int m : int_list(text, key, source))
          mult.push_back(m);
        must_agree(fmt::format("{}", fmt::join(c.channel_mult, ",")),
                   fmt::format("{}", fmt::join(mult, ",")), key, source);
      }
    } else if (key == "attention_resolutions") {
      DRIG_CHECK(c.image_size > 0,
                 "{}: attention_resolutions needs image_size (the weights do not give it)", source);
      std::vector<int> ds;
      for (int r : int_list(as_string(v), key, source)) {
        DRIG_CHECK(r > 0, "{}: attention_resolutions must be positive", source);
        ds.push_back(c.image_size / r);
      }
      std::vector<int> have = c.attention_ds;
      std::sort(ds.begin(), ds.end());
      std::sort(have.begin(), have.end());
      // A resolution no level reaches adds no attention block, as in the original.
      const int levels = static_cast<int>(c.channel_mult.size());
      ds.erase(std::remove_if(ds.begin(), ds.end(),
                              [&](int d) { return d <= 0 || d >= (1 << levels) || (d & (d - 1)); }),
               ds.end());
      must_agree(fmt::format("{}", fmt::join(have, ",")), fmt::format("{}", fmt::join(ds, ",")),
                 "attention_resolutions (as downsampling factors)", source);
    } else if (key == "dropout")
      c.dropout = as_number(v, key, source);
    else if (key == "num_heads")
      c.num_heads = as_int(v, key, source);
    else if (key == "num_head_channels")
      c.num_head_channels = as_int(v, key, source);
    else if (key == "num_heads_upsample")
      c.num_heads_upsample = as_int(v, key, source);
    else if (key == "use_new_attention_order")
      c.new_attention_order = as_bool(v, key, source);
    else
      fail("{}: unknown configuration key \"{}\"", source, key);
  }
  validate(c);
}

DiffusionRigConfig config_from_arguments(const json& j, const std::string& source) {
  DRIG_CHECK(j.is_object(), "{}: arguments must be a JSON object", source);
  DiffusionRigConfig c;
  c.image_size = j.contains("image_size") ? as_int(j["image_size"], "image_size", source) : 256;
  DRIG_CHECK(c.image_size >= 8, "{}: image_size must be at least 8", source);
  const std::string mult = j.contains("channel_mult") ? as_string(j["channel_mult"]) : "";
  if (mult.empty()) {
    const auto& table = default_mults();
    const auto found = std::find_if(table.begin(), table.end(),
                                    [&](const auto& e) { return e.first == c.image_size; });
    DRIG_CHECK(found != table.end(),
               "{}: no default channel_mult for image_size {} (the original has them for 64, "
               "128, 256, 512); give channel_mult",
               source, c.image_size);
    c.channel_mult = found->second;
  } else {
    c.channel_mult.clear();
    for (int m : int_list(mult, "channel_mult", source))
      c.channel_mult.push_back(m);
  }
  const std::string attention =
      j.contains("attention_resolutions") ? as_string(j["attention_resolutions"]) : "16";
  c.attention_ds.clear();
  const int levels = static_cast<int>(c.channel_mult.size());
  for (int r : int_list(attention, "attention_resolutions", source)) {
    DRIG_CHECK(r > 0, "{}: attention_resolutions must be positive", source);
    const int d = c.image_size / r; // the original: image_size // int(res)
    // A resolution no level reaches adds no attention block, as in the original.
    if (d > 0 && d < (1 << levels) && (d & (d - 1)) == 0)
      c.attention_ds.push_back(d);
  }
  std::sort(c.attention_ds.begin(), c.attention_ds.end());
  for (const auto& [key, v] : j.items()) {
    if (key == "image_size" || key == "channel_mult" || key == "attention_resolutions" ||
        ignored_keys().count(key))
      continue;
    if (key == "num_channels")
      c.model_channels = as_int(v, key, source);
    else if (key == "num_res_blocks")
      c.num_res_blocks = as_int(v, key, source);
    else if (key == "in_channels")
      c.in_channels = as_int(v, key, source);
    else if (key == "latent_dim")
      c.latent_dim = as_int(v, key, source);
    else if (key == "learn_sigma")
      c.learn_sigma = as_bool(v, key, source);
    else if (key == "use_scale_shift_norm")
      c.use_scale_shift_norm = as_bool(v, key, source);
    else if (key == "resblock_updown")
      c.resblock_updown = as_bool(v, key, source);
    else if (key == "encoder_type")
      c.encoder_type = as_string(v);
    else if (key == "dropout")
      c.dropout = as_number(v, key, source);
    else if (key == "num_heads")
      c.num_heads = as_int(v, key, source);
    else if (key == "num_head_channels")
      c.num_head_channels = as_int(v, key, source);
    else if (key == "num_heads_upsample")
      c.num_heads_upsample = as_int(v, key, source);
    else if (key == "use_new_attention_order")
      c.new_attention_order = as_bool(v, key, source);
    else
      fail("{}: unknown configuration key \"{}\"", source, key);
  }
  validate(c);
  return c;
}

void apply_config_file(DiffusionRigConfig& config, const std::string& path) {
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::exception& e) {
    fail("{}: not valid JSON ({})", path, e.what());
  }
  apply_config_json(config, j, path);
}

} // namespace drig
