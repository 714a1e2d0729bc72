#include "training/rig/rig_file.h"

#include "drig/version.h"
#include "model/base/atomic_file.h"
#include "model/base/error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace drig::fitting {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Field {
  const char* name;
  at::Tensor face::DecaCode::*member;
  std::vector<int64_t> shape; // without the batch dimension
};

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      {"shape", &face::DecaCode::shape, {100}}, {"tex", &face::DecaCode::tex, {50}},
      {"exp", &face::DecaCode::exp, {50}},      {"pose", &face::DecaCode::pose, {6}},
      {"cam", &face::DecaCode::cam, {3}},       {"light", &face::DecaCode::light, {9, 3}},
  };
  return f;
}

} // namespace

void save_rig(const fs::path& path, const Rig& rig) {
  json params;
  for (const Field& f : fields()) {
    const at::Tensor t = (rig.code.*f.member).detach().to(at::kCPU, at::kFloat).contiguous();
    DRIG_CHECK(t.numel() == c10::multiply_integers(f.shape),
               "rig {}: {} has {} values, expected {}", path.string(), f.name, t.numel(),
               c10::multiply_integers(f.shape));
    // float -> double is exact, and JSON doubles are printed round-trip exact.
    params[f.name] = std::vector<double>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  json j;
  j["format"] = "diffusionrig-rig";
  j["version"] = 1;
  j["tool"] = std::string("diffusionrig ") + kVersion;
  j["image"] = {{"path", rig.image}, {"md5", rig.image_md5}};
  j["deca"] = {{"version", rig.deca_version}, {"asset_md5", rig.asset_md5}};
  j["mean_shape"] = rig.mean_shape;
  j["crop_tform"] = rig.crop_tform;
  const at::Tensor fitted = (rig.fitted_shape.defined() ? rig.fitted_shape : rig.code.shape)
                                .to(at::kCPU, at::kFloat)
                                .contiguous();
  params["fitted_shape"] =
      std::vector<double>(fitted.data_ptr<float>(), fitted.data_ptr<float>() + fitted.numel());
  j["params"] = params;
  write_file_atomic(path, j.dump(1) + "\n");
}

Rig load_rig(const fs::path& path) {
  const json j = json::parse(read_file(path), nullptr, false);
  DRIG_CHECK(!j.is_discarded() && j.is_object(), "{}: not a rig file (invalid JSON)",
             path.string());
  DRIG_CHECK(j.value("format", "") == "diffusionrig-rig", "{}: not a rig file (format is '{}')",
             path.string(), j.value("format", ""));
  Rig rig;
  try {
    rig.image = j.at("image").at("path").get<std::string>();
    rig.image_md5 = j.at("image").at("md5").get<std::string>();
    rig.deca_version = j.at("deca").at("version").get<std::string>();
    rig.asset_md5 = j.at("deca").at("asset_md5").get<std::map<std::string, std::string>>();
    rig.mean_shape = j.at("mean_shape").get<bool>();
    rig.crop_tform = j.at("crop_tform").get<std::array<double, 9>>();
    for (const Field& f : fields()) {
      const std::vector<double> values = j.at("params").at(f.name).get<std::vector<double>>();
      DRIG_CHECK(int64_t(values.size()) == c10::multiply_integers(f.shape),
                 "{}: params.{} has {} values, expected {}", path.string(), f.name, values.size(),
                 c10::multiply_integers(f.shape));
      std::vector<int64_t> shape{1};
      shape.insert(shape.end(), f.shape.begin(), f.shape.end());
      rig.code.*f.member = torch::tensor(values, torch::kDouble).to(torch::kFloat).reshape(shape);
    }
    const std::vector<double> fitted = j.at("params").at("fitted_shape").get<std::vector<double>>();
    DRIG_CHECK(fitted.size() == 100, "{}: params.fitted_shape has {} values, expected 100",
               path.string(), fitted.size());
    rig.fitted_shape = torch::tensor(fitted, torch::kDouble).to(torch::kFloat).reshape({1, 100});
  } catch (const json::exception& e) {
    fail("{}: rig file is missing a field or has a wrong type ({})", path.string(), e.what());
  }
  return rig;
}

std::filesystem::path rig_path(const std::filesystem::path& folder,
                               const std::filesystem::path& image) {
  return folder / (image.stem().string() + ".rig.json");
}

} // namespace drig::fitting
