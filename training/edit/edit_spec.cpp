#include "training/edit/edit_spec.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/diffusion/ode_solver.h"
#include "render/environment_light.h"
#include "render/light_rig.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/rig_edit.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace drig::editing {
namespace {

constexpr int kFormatVersion = 1;

face::DecaCode copy(const face::DecaCode& c) {
  return {c.shape.clone(), c.tex.clone(), c.exp.clone(),
          c.pose.clone(),  c.cam.clone(), c.light.clone()};
}

template <class T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v)
    j[key] = *v;
}

template <class T>
std::optional<T> get_optional(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null())
    return std::nullopt;
  return j.at(key).get<T>();
}

} // namespace

int coefficient_index(const std::string& key, const char* what) {
  size_t used = 0;
  int index = -1;
  try {
    index = std::stoi(key, &used);
  } catch (const std::exception&) {
  }
  DRIG_CHECK(index >= 0 && used == key.size(), "{} '{}' is not a coefficient index", what, key);
  return index;
}

bool EditSpec::changes_rig() const {
  return !light.empty() || !expression.empty() || jaw_deg ||
         pose_delta_deg != std::array<double, 3>{0, 0, 0};
}

double EditSpec::colour_lock_strength() const {
  if (colour_lock)
    return *colour_lock;
  return !expression.empty() || jaw_deg || pose_delta_deg != std::array<double, 3>{0, 0, 0} ? 1.0
                                                                                            : 0.0;
}

nlohmann::json to_json(const EditSpec& s) {
  nlohmann::json light = nlohmann::json::object();
  put_optional(light, "azimuth", s.light.azimuth_deg);
  put_optional(light, "elevation", s.light.elevation_deg);
  put_optional(light, "intensity", s.light.intensity);
  put_optional(light, "ambient", s.light.ambient);
  put_optional(light, "colour", s.light.colour);
  if (s.light.sh)
    light["sh"] = std::vector<float>(s.light.sh->begin(), s.light.sh->end());
  if (s.light.sh && s.light.keep_exposure)
    light["keep_exposure"] = true;
  nlohmann::json expression = nlohmann::json::object();
  for (const auto& [i, v] : s.expression)
    expression[std::to_string(i)] = v;
  nlohmann::json j = {
      {"format", "diffusionrig-edit"},
      {"version", kFormatVersion},
      {"light", light},
      {"expression", expression},
      {"pose",
       {{"yaw", s.pose_delta_deg[0]},
        {"pitch", s.pose_delta_deg[1]},
        {"roll", s.pose_delta_deg[2]}}},
      {"strength", s.strength},
      {"sampling", {{"sampler", s.sampler}, {"steps", s.steps}, {"seed", s.seed}, {"eta", s.eta}}}};
  put_optional(j, "jaw", s.jaw_deg);
  put_optional(j, "colour_lock", s.colour_lock);
  return j;
}

EditSpec edit_from_json(const nlohmann::json& j, const std::string& source) {
  EditSpec s;
  try {
    DRIG_CHECK(j.is_object(), "not a JSON object");
    if (j.contains("format"))
      DRIG_CHECK(j.at("format") == "diffusionrig-edit", "format is {}, not diffusionrig-edit",
                 j.at("format").dump());
    const int version = j.value("version", kFormatVersion);
    DRIG_CHECK(version <= kFormatVersion,
               "version {} was written by a newer DiffusionRig Studio (this one reads up to {})",
               version, kFormatVersion);
    if (j.contains("light")) {
      const auto& l = j.at("light");
      s.light.azimuth_deg = get_optional<double>(l, "azimuth");
      s.light.elevation_deg = get_optional<double>(l, "elevation");
      s.light.intensity = get_optional<double>(l, "intensity");
      s.light.ambient = get_optional<double>(l, "ambient");
      s.light.colour = get_optional<std::array<double, 3>>(l, "colour");
      if (l.contains("sh")) {
        const auto v = l.at("sh").get<std::vector<float>>();
        DRIG_CHECK(v.size() == 27, "light.sh has {} numbers, not 27", v.size());
        render::ShLight sh{};
        std::copy(v.begin(), v.end(), sh.begin());
        s.light.sh = sh;
        s.light.keep_exposure = l.value("keep_exposure", false);
        DRIG_CHECK(!s.light.azimuth_deg && !s.light.elevation_deg && !s.light.intensity &&
                       !s.light.ambient && !s.light.colour,
                   "light.sh cannot be combined with azimuth/elevation/intensity/ambient/colour");
      }
    }
    if (j.contains("expression"))
      for (const auto& [key, value] : j.at("expression").items())
        s.expression.emplace_back(coefficient_index(key, "expression key"), value.get<double>());
    s.jaw_deg = get_optional<double>(j, "jaw");
    if (j.contains("pose")) {
      const auto& p = j.at("pose");
      s.pose_delta_deg = {p.value("yaw", 0.0), p.value("pitch", 0.0), p.value("roll", 0.0)};
    }
    s.strength = j.value("strength", 1.0);
    DRIG_CHECK(s.strength >= 0 && s.strength <= 1, "strength {} is outside 0..1", s.strength);
    s.colour_lock = get_optional<double>(j, "colour_lock");
    DRIG_CHECK(!s.colour_lock || (*s.colour_lock >= 0 && *s.colour_lock <= 1),
               "colour_lock {} is outside 0..1", s.colour_lock.value_or(0));
    if (j.contains("sampling")) {
      const auto& g = j.at("sampling");
      s.sampler = g.value("sampler", s.sampler);
      diffusion::parse_sampler(s.sampler); // an unknown name is refused here, not mid-job
      s.steps = g.value("steps", s.steps);
      s.seed = g.value("seed", s.seed);
      s.eta = g.value("eta", s.eta);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a valid edit: {}", source, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: not a valid edit: {}", source, e.what()));
  }
  return s;
}

nlohmann::json read_edit_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  DRIG_CHECK(in.good(), "{}: cannot read the edit file", path.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  DRIG_CHECK(!j.is_discarded(), "{}: not JSON", path.string());
  return j;
}

EditSpec load_edit(const std::filesystem::path& path) {
  return edit_from_json(read_edit_json(path), path.string());
}

void save_edit(const std::filesystem::path& path, const EditSpec& spec) {
  write_file_atomic(path, to_json(spec).dump(2) + "\n");
}

face::DecaCode apply_spec(const face::DecaCode& fitted, const EditSpec& spec) {
  const double k = spec.strength;
  rendering::RigEdit edit;
  edit.expression = spec.expression;
  edit.jaw_open_deg = spec.jaw_deg;
  if (k == 0)
    return copy(fitted);
  if (spec.pose_delta_deg != std::array<double, 3>{0, 0, 0}) {
    auto ypr = rendering::head_pose_deg(fitted);
    for (size_t i = 0; i < 3; ++i)
      ypr[i] += k * spec.pose_delta_deg[i];
    edit.head_pose_deg = ypr;
  }
  if (spec.light.sh) {
    edit.light =
        spec.light.keep_exposure
            ? render::match_exposure(*spec.light.sh, rendering::light_from_tensor(fitted.light))
            : *spec.light.sh;
  } else if (!spec.light.empty()) {
    render::DirectionalLight light =
        render::dominant_light(rendering::light_from_tensor(fitted.light));
    light.azimuth_deg = spec.light.azimuth_deg.value_or(light.azimuth_deg);
    light.elevation_deg = spec.light.elevation_deg.value_or(light.elevation_deg);
    light.intensity = spec.light.intensity.value_or(light.intensity);
    light.ambient = spec.light.ambient.value_or(light.ambient);
    light.colour = spec.light.colour.value_or(light.colour);
    edit.light = render::directional_to_sh(light);
  }
  face::DecaCode out = rendering::apply_edit(fitted, edit);
  if (k < 1) {
    // Part of the way: the head pose already is; the rest linearly.
    const auto blend = [k](at::Tensor& edited, const at::Tensor& original) {
      edited = original + (edited - original) * k;
    };
    blend(out.exp, fitted.exp);
    blend(out.light, fitted.light);
    at::Tensor jaw = out.pose.narrow(1, 3, 3);
    jaw.copy_(fitted.pose.narrow(1, 3, 3) + (jaw - fitted.pose.narrow(1, 3, 3)) * k);
  }
  return out;
}

TransferMode parse_mode(const std::string& name) {
  if (name == "pose")
    return TransferMode::Pose;
  if (name == "exp")
    return TransferMode::Exp;
  if (name == "light")
    return TransferMode::Light;
  if (name == "latent")
    return TransferMode::Latent;
  throw Error(fmt::format("unknown mode '{}' (pose, exp, light or latent)", name));
}

const char* mode_name(TransferMode mode) {
  switch (mode) {
  case TransferMode::Pose:
    return "pose";
  case TransferMode::Exp:
    return "exp";
  case TransferMode::Light:
    return "light";
  case TransferMode::Latent:
    return "latent";
  }
  return "?";
}

face::DecaCode transfer(const face::DecaCode& source, const face::DecaCode& target,
                        TransferMode mode) {
  face::DecaCode out = copy(source);
  switch (mode) {
  case TransferMode::Pose: // the global head rotation only
    out.pose.narrow(1, 0, 3).copy_(target.pose.narrow(1, 0, 3));
    break;
  case TransferMode::Exp: // expression and jaw together
    out.exp.copy_(target.exp);
    out.pose.narrow(1, 3, 3).copy_(target.pose.narrow(1, 3, 3));
    break;
  case TransferMode::Light:
    out.light.copy_(target.light);
    break;
  case TransferMode::Latent:
    break;
  }
  return out;
}

} // namespace drig::editing
