#include "model/face/deca_encoder.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/face/resnet50.h"
#include "model/formats/torch_checkpoint.h"
#include "model/networks/diffusionrig_model.h"

#include <torch/torch.h>

#include <fmt/format.h>

namespace drig::face {

namespace {

constexpr int64_t kCodeSize = 236;
constexpr int64_t kCropSize = 224;

std::string top_level_keys(const formats::PickleValue& root) {
  std::string keys;
  for (const auto& [key, value] : root.entries)
    if (key && key->is_string())
      keys += (keys.empty() ? "" : ", ") + key->as_string("key");
  return keys.empty() ? "none" : keys;
}

} // namespace

DecaCode split_code(const at::Tensor& params236) {
  DRIG_CHECK(params236.dim() == 2 && params236.size(1) == kCodeSize,
             "DECA code: expected (B,{}), got [{}]", kCodeSize, fmt::join(params236.sizes(), ","));
  // param_list order of DECA's config.py: shape, tex, exp, pose, cam, light.
  DecaCode code;
  int64_t at = 0;
  const auto take = [&](int64_t n) {
    at::Tensor part = params236.narrow(1, at, n);
    at += n;
    return part;
  };
  code.shape = take(100);
  code.tex = take(50);
  code.exp = take(50);
  code.pose = take(6);
  code.cam = take(3);
  code.light = take(27).reshape({params236.size(0), 9, 3});
  return code;
}

struct DecaEncoder::Impl {
  DecaResnetEncoder net{nullptr};
  c10::Device device{c10::kCPU};
};

DecaEncoder::DecaEncoder(const std::filesystem::path& deca_model_tar, c10::Device device)
    : impl_(std::make_unique<Impl>()) {
  const std::string name = deca_model_tar.filename().string();
  // The reader maps the file and its storages stay zero-copy views (mapped to
  // the CPU even though DECA saved them on cuda:0), so only E_flame's pages
  // are ever read from the 200+ MiB file.
  const formats::TorchCheckpoint ckpt = formats::load_torch_checkpoint(deca_model_tar);
  DRIG_CHECK(ckpt.root && ckpt.root->kind == formats::PickleValue::Kind::Dict,
             "{}: not a DECA model (expected a dict with E_flame, found {})", name,
             ckpt.root ? ckpt.root->kind_name() : "nothing");
  const formats::PickleRef e_flame = ckpt.root->get("E_flame");
  DRIG_CHECK(e_flame != nullptr, "{}: not a DECA model: no E_flame state dict (top-level keys: {})",
             name, top_level_keys(*ckpt.root));
  const std::string what = name + ":E_flame";
  const formats::NamedTensors tensors = formats::state_dict_tensors(*e_flame, what);

  impl_->net = DecaResnetEncoder(kCodeSize);
  networks::load_state_dict(*impl_->net, tensors, what);
  impl_->net->eval();
  impl_->net->to(device);
  impl_->device = device;
  count_load("deca encoder");
}

std::shared_ptr<const DecaEncoder> DecaEncoder::shared(const std::filesystem::path& deca_model_tar,
                                                       c10::Device device) {
  return load_once<DecaEncoder>(deca_model_tar, device.str(), [&] {
    return std::make_shared<const DecaEncoder>(deca_model_tar, device);
  });
}

DecaEncoder::~DecaEncoder() = default;
DecaEncoder::DecaEncoder(DecaEncoder&&) noexcept = default;
DecaEncoder& DecaEncoder::operator=(DecaEncoder&&) noexcept = default;

at::Tensor DecaEncoder::forward(const at::Tensor& crops) const {
  DRIG_CHECK(crops.defined() && crops.dim() == 4 && crops.size(1) == 3 &&
                 crops.size(2) == kCropSize && crops.size(3) == kCropSize,
             "DECA encoder: expected crops of shape (B,3,{},{}), got [{}]", kCropSize, kCropSize,
             crops.defined() ? fmt::format("{}", fmt::join(crops.sizes(), ",")) : "undefined");
  // No grad instead of InferenceMode: callers may start an optimisation from
  // these codes, and inference tensors cannot take part in autograd.
  torch::NoGradGuard no_grad;
  return impl_->net->forward(crops.to(impl_->device, torch::kFloat));
}

c10::Device DecaEncoder::device() const {
  return impl_->device;
}

} // namespace drig::face
