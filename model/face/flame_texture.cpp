// DECA's FLAMETex (README section 2.5): a linear albedo space in UV, upsampled to 256.
#include "model/face/shading.h"

#include "model/base/error.h"
#include "model/formats/npy.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

namespace drig::face {
namespace {

constexpr int64_t kUvSize = 256; // DECA's uv_size: the albedo is always returned at 256

std::string key_list(const std::vector<std::pair<std::string, formats::NpyArray>>& members) {
  std::string keys;
  for (const auto& [name, array] : members)
    keys += (keys.empty() ? "" : ", ") + name;
  return keys.empty() ? "none" : keys;
}

at::Tensor member(const std::vector<std::pair<std::string, formats::NpyArray>>& members,
                  const std::string& key, const std::string& file) {
  for (const auto& [name, array] : members) {
    if (name != key)
      continue;
    DRIG_CHECK(!array.object && array.tensor.defined(),
               "{}: '{}' is an object array, expected numbers", file, key);
    DRIG_CHECK(array.tensor.is_floating_point() ||
                   at::isIntegralType(array.tensor.scalar_type(), /*includeBool=*/false),
               "{}: '{}' has dtype {}, expected numbers", file, key,
               c10::toString(array.tensor.scalar_type()));
    return array.tensor;
  }
  fail("{}: missing key '{}' (the file has: {})", file, key, key_list(members));
}

} // namespace

FlameTexture::FlameTexture(const std::filesystem::path& npz, Kind kind, int n_tex,
                           c10::Device device) {
  const std::string file = npz.string();
  const bool flame = kind == Kind::Flame;
  std::vector<std::pair<std::string, formats::NpyArray>> members;
  try {
    members = formats::load_npz(npz);
  } catch (const Error& e) {
    fail("cannot read the {} texture space {}: {}", flame ? "FLAME" : "BFM", file, e.what());
  }
  const std::string mean_key = flame ? "mean" : "MU", basis_key = flame ? "tex_dir" : "PC";
  const at::Tensor mean = member(members, mean_key, file).to(at::kDouble);
  const at::Tensor basis = member(members, basis_key, file).to(at::kDouble);

  // The maps are square RGB: R x R x 3 values per component (R = 512 in the real files).
  const int64_t values = mean.numel();
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(values) / 3)));
  DRIG_CHECK(values > 0 && side * side * 3 == values,
             "{}: '{}' has shape {} ({} values), expected a square RGB map (R x R x 3)", file,
             mean_key, c10::str(mean.sizes()), values);
  DRIG_CHECK(basis.dim() >= 2 && basis.numel() == values * basis.size(-1),
             "{}: '{}' has shape {}, expected {} values per component like '{}' {}", file,
             basis_key, c10::str(basis.sizes()), values, mean_key, c10::str(mean.sizes()));
  const int64_t components = basis.size(-1);
  DRIG_CHECK(n_tex >= 1 && n_tex <= components, "{}: n_tex = {} but '{}' has {} components", file,
             n_tex, basis_key, components);
  DRIG_CHECK(at::isfinite(mean).all().item<bool>() && at::isfinite(basis).all().item<bool>(),
             "{}: the texture space holds NaN or infinite values", file);

  // DECA's FLAME space is stored in 0..255, the BFM one in 0..1; divide in double as it does.
  at::Tensor m = mean.reshape({1, -1}), pcs = basis.reshape({-1, components}).narrow(1, 0, n_tex);
  if (flame) {
    m = m / 255.0;
    pcs = pcs / 255.0;
  }
  mean_ = m.to(at::kFloat).to(device).contiguous();
  basis_ = pcs.to(at::kFloat).to(device).contiguous();
  resolution_ = static_cast<int>(side);
}

at::Tensor FlameTexture::albedo(const at::Tensor& texcode) const {
  const int64_t n_tex = basis_.size(1);
  DRIG_CHECK(texcode.defined() && texcode.dim() == 2 && texcode.size(1) == n_tex &&
                 texcode.is_floating_point(),
             "FlameTexture: texcode must be float (B, {}), got {}", n_tex,
             texcode.defined() ? c10::str(texcode.sizes()) : std::string("no tensor"));
  const int64_t b = texcode.size(0), r = resolution_;
  const at::Tensor code = texcode.to(mean_.device(), at::kFloat);
  const at::Tensor flat = at::addmm(mean_, code, basis_.t()); // (B, R*R*3), mean broadcast
  const at::Tensor maps = flat.view({b, r, r, 3}).permute({0, 3, 1, 2});
  // F.interpolate's default: nearest, source index floor(dst * R / 256).
  namespace F = torch::nn::functional;
  const at::Tensor resized = F::interpolate(maps, F::InterpolateFuncOptions()
                                                      .size(std::vector<int64_t>{kUvSize, kUvSize})
                                                      .mode(torch::kNearest));
  return resized.flip({1}).contiguous(); // DECA returns BGR order ([2,1,0])
}

} // namespace drig::face
