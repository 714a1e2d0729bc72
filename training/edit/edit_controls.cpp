#include "training/edit/edit_controls.h"

#include "model/base/error.h"
#include "model/face/flame.h"
#include "render/light_rig.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/rig_edit.h"

#include <ATen/ATen.h>
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <cmath>

namespace drig::editing {
namespace {

// Landmark motions (68-point scheme, FLAME world: x right, y up).
struct Target {
  int landmark;
  double dx, dy;
};

std::vector<Target> motion_targets(const std::string& key) {
  const double s = std::sqrt(0.5);
  if (key == "smile")
    return {{48, -s, s}, {54, s, s}};
  if (key == "brows") {
    std::vector<Target> t;
    for (int i = 17; i <= 26; ++i)
      t.push_back({i, 0, 1});
    return t;
  }
  // eyes_closed: upper lids down, lower lids up a little.
  return {{37, 0, -1},  {38, 0, -1},  {43, 0, -1},  {44, 0, -1},
          {40, 0, 0.3}, {41, 0, 0.3}, {46, 0, 0.3}, {47, 0, 0.3}};
}

std::vector<double> to_vector(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kCPU, at::kDouble).contiguous().view(-1);
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

bool zero(double v) {
  return std::abs(v) < 1e-12;
}

} // namespace

const ExpressionDirection* ExpressionBasis::find(const std::string& key) const {
  for (const ExpressionDirection& d : named)
    if (d.key == key)
      return &d;
  return nullptr;
}

ExpressionBasis measure_expression_basis(const face::Flame& flame, int n_shape, int n_exp,
                                         int leading, double strength) {
  DRIG_CHECK(n_exp > 0 && leading > 0, "expression basis: no expression components");
  const int k = std::min(leading, n_exp);
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(flame.device());
  // Row 0 neutral, row 1+i the unit step of component i: landmarks are
  // linear in the expression at zero pose, so differences are the response.
  at::Tensor exp = at::zeros({k + 1, n_exp}, f32);
  for (int i = 0; i < k; ++i)
    exp[i + 1][i] = 1.0f;
  const face::FlameOutput out =
      flame.forward(at::zeros({k + 1, n_shape}, f32), exp, at::zeros({k + 1, 6}, f32));
  const at::Tensor lmk = out.landmarks3d.to(at::kCPU, at::kDouble);
  const at::Tensor response = (lmk.narrow(0, 1, k) - lmk.narrow(0, 0, 1)).contiguous(); // (k,68,3)
  Eigen::MatrixXd d(68 * 3, k);
  const double* r = response.data_ptr<double>();
  for (int i = 0; i < k; ++i)
    for (int row = 0; row < 68 * 3; ++row)
      d(row, i) = r[i * 68 * 3 + row];

  ExpressionBasis basis;
  basis.components = n_exp;
  for (const std::string key : {"smile", "brows", "eyes_closed"}) {
    Eigen::VectorXd target = Eigen::VectorXd::Zero(68 * 3);
    Eigen::VectorXd weight = Eigen::VectorXd::Constant(68 * 3, 0.5); // the rest keeps still
    for (const Target& t : motion_targets(key)) {
      target(t.landmark * 3) = t.dx;
      target(t.landmark * 3 + 1) = t.dy;
      for (int c = 0; c < 3; ++c)
        weight(t.landmark * 3 + c) = 1;
    }
    const Eigen::MatrixXd dtw = d.transpose() * weight.asDiagonal();
    Eigen::MatrixXd normal = dtw * d;
    const double ridge = 1e-6 * std::max(normal.trace() / k, 1e-30);
    normal.diagonal().array() += ridge;
    Eigen::VectorXd c = normal.ldlt().solve(dtw * target);
    ExpressionDirection dir{key, std::vector<double>(size_t(n_exp), 0.0)};
    const double norm = c.norm();
    if (std::isfinite(norm) && norm > 0)
      for (int i = 0; i < k; ++i)
        dir.coefficients[size_t(i)] = c(i) / norm * strength;
    basis.named.push_back(std::move(dir));
  }
  return basis;
}

std::array<double, 3> light_colour(double temperature_k, double tint) {
  DRIG_CHECK(temperature_k >= 1000 && temperature_k <= 40000,
             "colour temperature {} K is outside 1000..40000", temperature_k);
  DRIG_CHECK(tint >= -1 && tint <= 1, "tint {} is outside -1..1", tint);
  // Planck's law at a red, green and blue wavelength, relative to 6500 K.
  const double c2 = 1.4388e-2; // m K
  const auto planck = [c2](double lambda_nm, double t) {
    const double l = lambda_nm * 1e-9;
    return 1.0 / (std::pow(l, 5) * (std::exp(c2 / (l * t)) - 1));
  };
  const double lambdas[3] = {610, 550, 465};
  std::array<double, 3> rgb{};
  for (size_t c = 0; c < 3; ++c)
    rgb[c] = planck(lambdas[c], temperature_k) / planck(lambdas[c], 6500);
  rgb[1] *= 1 - 0.3 * tint;
  const double luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  for (double& v : rgb)
    v /= luminance;
  return rgb;
}

bool EditControls::is_identity() const {
  for (const auto& [key, v] : named)
    if (!zero(v))
      return false;
  for (const auto& [i, v] : components)
    if (!zero(v))
      return false;
  return !light_edited && !light_sh && !jaw_open_deg && !copied &&
         pose_delta_deg == std::array<double, 3>{0, 0, 0};
}

double EditControls::colour_lock_shown() const {
  if (colour_lock)
    return *colour_lock;
  const bool shape = !named.empty() || !components.empty() || jaw_open_deg || copied ||
                     pose_delta_deg != std::array<double, 3>{0, 0, 0};
  return shape ? 1.0 : 0.0;
}

bool EditControls::operator==(const EditControls& o) const {
  return to_json(*this) == to_json(o);
}

EditControls controls_for(const face::DecaCode& fitted) {
  EditControls c;
  const render::DirectionalLight dom =
      render::dominant_light(rendering::light_from_tensor(fitted.light));
  c.azimuth_deg = dom.azimuth_deg;
  c.elevation_deg = dom.elevation_deg;
  return c;
}

void reset_group(EditControls& controls, const std::string& group, const face::DecaCode& fitted) {
  const EditControls fresh = controls_for(fitted);
  if (group == "light") {
    controls.light_edited = false;
    controls.azimuth_deg = fresh.azimuth_deg;
    controls.elevation_deg = fresh.elevation_deg;
    controls.intensity = controls.ambient = 1;
    controls.temperature_k = 6500;
    controls.tint = 0;
    controls.colour = {1, 1, 1};
    controls.light_sh.reset();
  } else if (group == "expression") {
    controls.named.clear();
    controls.components.clear();
    controls.jaw_open_deg.reset();
    controls.copied.reset();
  } else if (group == "pose") {
    controls.pose_delta_deg = {0, 0, 0};
  } else {
    throw Error(fmt::format("unknown control group '{}' (light, expression or pose)", group));
  }
}

void copy_group(EditControls& c, const std::string& group, const face::DecaCode& fitted,
                const face::DecaCode& other, const std::string& other_name) {
  if (group == "light") {
    c.light_sh = rendering::light_from_tensor(other.light);
  } else if (group == "expression") {
    DRIG_CHECK(other.exp.size(1) == fitted.exp.size(1),
               "{} has {} expression coefficients, this photo {}", other_name, other.exp.size(1),
               fitted.exp.size(1));
    const at::Tensor exp = other.exp.to(at::kDouble).contiguous();
    c.copied = std::vector<double>(exp.data_ptr<double>(), exp.data_ptr<double>() + exp.numel());
    c.named.clear();
    c.components.clear();
    c.jaw_open_deg = rendering::jaw_open_deg(other);
  } else if (group == "pose") {
    const auto mine = rendering::head_pose_deg(fitted), theirs = rendering::head_pose_deg(other);
    for (size_t i = 0; i < 3; ++i)
      c.pose_delta_deg[i] = theirs[i] - mine[i];
  } else {
    throw Error(fmt::format("unknown control group '{}' (light, expression or pose)", group));
  }
}

nlohmann::json to_json(const EditControls& c) {
  nlohmann::json light = {
      {"edited", c.light_edited}, {"azimuth", c.azimuth_deg}, {"elevation", c.elevation_deg},
      {"intensity", c.intensity}, {"ambient", c.ambient},     {"temperature", c.temperature_k},
      {"tint", c.tint},           {"colour", c.colour}};
  if (c.light_sh)
    light["sh"] = std::vector<float>(c.light_sh->begin(), c.light_sh->end());
  if (c.light_sh && c.light_sh_keep_exposure)
    light["keep_exposure"] = true;
  nlohmann::json named = nlohmann::json::object();
  for (const auto& [key, v] : c.named)
    if (!zero(v))
      named[key] = v;
  nlohmann::json components = nlohmann::json::object();
  for (const auto& [i, v] : c.components)
    if (!zero(v))
      components[std::to_string(i)] = v;
  nlohmann::json expression = {{"named", named}, {"components", components}};
  if (c.jaw_open_deg)
    expression["jaw"] = *c.jaw_open_deg;
  if (c.copied)
    expression["copied"] = *c.copied;
  nlohmann::json j = {{"light", light},
                      {"expression", expression},
                      {"pose",
                       {{"yaw", c.pose_delta_deg[0]},
                        {"pitch", c.pose_delta_deg[1]},
                        {"roll", c.pose_delta_deg[2]}}},
                      {"strength", c.strength}};
  if (c.colour_lock)
    j["colour_lock"] = *c.colour_lock;
  return j;
}

EditControls controls_from_json(const nlohmann::json& j, const std::string& source) {
  EditControls c;
  try {
    DRIG_CHECK(j.is_object(), "controls are not a JSON object");
    if (j.contains("light")) {
      const auto& l = j.at("light");
      c.light_edited = l.value("edited", false);
      c.azimuth_deg = l.value("azimuth", 0.0);
      c.elevation_deg = l.value("elevation", 0.0);
      c.intensity = l.value("intensity", 1.0);
      c.ambient = l.value("ambient", 1.0);
      c.temperature_k = l.value("temperature", 6500.0);
      c.tint = l.value("tint", 0.0);
      if (l.contains("colour"))
        c.colour = l.at("colour").get<std::array<double, 3>>();
      for (double v : c.colour)
        DRIG_CHECK(v >= 0 && v <= 4, "light colour {} is outside 0..4", v);
      light_colour(c.temperature_k, c.tint); // range check
      DRIG_CHECK(c.intensity >= 0 && c.ambient >= 0, "light intensity and ambient must be >= 0");
      if (l.contains("sh")) {
        const auto v = l.at("sh").get<std::vector<float>>();
        DRIG_CHECK(v.size() == 27, "light.sh has {} numbers, not 27", v.size());
        render::ShLight sh{};
        std::copy(v.begin(), v.end(), sh.begin());
        c.light_sh = sh;
        c.light_sh_keep_exposure = l.value("keep_exposure", false);
      }
    }
    if (j.contains("expression")) {
      const auto& e = j.at("expression");
      if (e.contains("named"))
        for (const auto& [key, v] : e.at("named").items())
          c.named[key] = v.get<double>();
      if (e.contains("components"))
        for (const auto& [key, v] : e.at("components").items())
          c.components[coefficient_index(key, "expression component")] = v.get<double>();
      if (e.contains("jaw") && !e.at("jaw").is_null())
        c.jaw_open_deg = e.at("jaw").get<double>();
      if (e.contains("copied") && !e.at("copied").is_null())
        c.copied = e.at("copied").get<std::vector<double>>();
    }
    if (j.contains("pose")) {
      const auto& p = j.at("pose");
      c.pose_delta_deg = {p.value("yaw", 0.0), p.value("pitch", 0.0), p.value("roll", 0.0)};
    }
    c.strength = j.value("strength", 1.0);
    DRIG_CHECK(c.strength >= 0 && c.strength <= 1, "strength {} is outside 0..1", c.strength);
    if (j.contains("colour_lock")) {
      c.colour_lock = j.at("colour_lock").get<double>();
      DRIG_CHECK(*c.colour_lock >= 0 && *c.colour_lock <= 1, "colour_lock {} is outside 0..1",
                 *c.colour_lock);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid edit controls: {}", source, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: not valid edit controls: {}", source, e.what()));
  }
  return c;
}

EditSpec to_spec(const EditControls& c, const face::DecaCode& fitted,
                 const ExpressionBasis& basis) {
  EditSpec s;
  s.strength = c.strength;
  s.colour_lock = c.colour_lock;
  if (c.light_sh) {
    s.light.sh = c.light_sh;
    s.light.keep_exposure = c.light_sh_keep_exposure;
  } else if (c.light_edited) {
    const render::DirectionalLight dom =
        render::dominant_light(rendering::light_from_tensor(fitted.light));
    const std::array<double, 3> tone = light_colour(c.temperature_k, c.tint);
    s.light.azimuth_deg = c.azimuth_deg;
    s.light.elevation_deg = c.elevation_deg;
    s.light.intensity = dom.intensity * c.intensity;
    s.light.ambient = dom.ambient * c.ambient;
    s.light.colour = std::array<double, 3>{dom.colour[0] * tone[0] * c.colour[0],
                                           dom.colour[1] * tone[1] * c.colour[1],
                                           dom.colour[2] * tone[2] * c.colour[2]};
  }

  const std::vector<double> own = to_vector(fitted.exp);
  std::vector<double> values = own;
  if (c.copied) {
    DRIG_CHECK(c.copied->size() == own.size(),
               "the copied expression has {} coefficients, this photo's rig {}", c.copied->size(),
               own.size());
    values = *c.copied;
  }
  for (const auto& [key, amount] : c.named) {
    if (zero(amount))
      continue;
    const ExpressionDirection* dir = basis.find(key);
    DRIG_CHECK(dir, "unknown expression control '{}'", key);
    DRIG_CHECK(dir->coefficients.size() == values.size(),
               "expression control '{}' has {} coefficients, the rig {}", key,
               dir->coefficients.size(), values.size());
    for (size_t i = 0; i < values.size(); ++i)
      values[i] += amount * dir->coefficients[i];
  }
  for (const auto& [index, delta] : c.components) {
    DRIG_CHECK(index >= 0 && size_t(index) < values.size(),
               "expression component {} is outside the rig's {}", index, values.size());
    values[size_t(index)] += delta;
  }
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] != own[i])
      s.expression.emplace_back(int(i), values[i]);
  s.jaw_deg = c.jaw_open_deg;
  s.pose_delta_deg = c.pose_delta_deg;
  return s;
}

EditControls controls_from_spec(const EditSpec& spec, const face::DecaCode& fitted) {
  EditControls c = controls_for(fitted);
  c.strength = spec.strength;
  c.colour_lock = spec.colour_lock;
  if (spec.light.sh) {
    c.light_sh = spec.light.sh;
    c.light_sh_keep_exposure = spec.light.keep_exposure;
  } else if (!spec.light.empty()) {
    const render::DirectionalLight dom =
        render::dominant_light(rendering::light_from_tensor(fitted.light));
    c.light_edited = true;
    c.azimuth_deg = spec.light.azimuth_deg.value_or(dom.azimuth_deg);
    c.elevation_deg = spec.light.elevation_deg.value_or(dom.elevation_deg);
    if (spec.light.intensity && dom.intensity > 0)
      c.intensity = *spec.light.intensity / dom.intensity;
    if (spec.light.ambient && dom.ambient > 0)
      c.ambient = *spec.light.ambient / dom.ambient;
  }
  if (!spec.expression.empty()) {
    std::vector<double> values = to_vector(fitted.exp);
    for (const auto& [i, v] : spec.expression) {
      DRIG_CHECK(i >= 0 && size_t(i) < values.size(),
                 "expression coefficient {} is outside the rig's {}", i, values.size());
      values[size_t(i)] = v;
    }
    c.copied = values;
  }
  c.jaw_open_deg = spec.jaw_deg;
  c.pose_delta_deg = spec.pose_delta_deg;
  return c;
}

EditControls controls_from_document(const nlohmann::json& document, const face::DecaCode& fitted,
                                    const std::string& source) {
  if (document.is_object() && document.contains("controls"))
    return controls_from_json(document.at("controls"), source);
  try {
    return controls_from_spec(edit_from_json(document, source), fitted);
  } catch (const Error& e) {
    const std::string what = e.what();
    throw Error(what.rfind(source, 0) == 0 ? what : fmt::format("{}: {}", source, what));
  }
}

nlohmann::json edit_document(const EditControls& controls, const EditSpec& spec) {
  nlohmann::json j = to_json(spec);
  j["controls"] = to_json(controls);
  return j;
}

} // namespace drig::editing
