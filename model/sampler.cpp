#include "model/sampler.h"

#include "model/base/error.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/formats/torch_checkpoint.h"
#include "model/networks/diffusionrig_model.h"

#include <torch/torch.h>

namespace drig {

LoadedModel load_diffusionrig(const std::filesystem::path& checkpoint, const c10::Device& device) {
  const formats::TorchCheckpoint ckpt = formats::load_torch_checkpoint(checkpoint);
  const formats::NamedTensors tensors =
      formats::state_dict_tensors(*ckpt.root, checkpoint.filename().string());
  DRIG_CHECK(is_diffusionrig_state_dict(tensors),
             "{}: not a DiffusionRig checkpoint (no denoisingUNet/encoder weights; "
             "`diffusionrig inspect` shows what it is)",
             checkpoint.string());
  LoadedModel loaded;
  loaded.config = infer_diffusionrig_config(tensors);
  auto model = std::make_shared<networks::DiffusionRigImpl>(loaded.config);
  networks::load_state_dict(*model, tensors, checkpoint.filename().string());
  model->eval();
  model->to(device);
  loaded.model = model;
  loaded.device = device;
  return loaded;
}

at::Tensor encode_latent(const LoadedModel& model, const at::Tensor& images) {
  torch::InferenceMode guard;
  return model.model->encode(images.to(model.device, torch::kFloat)).cpu();
}

SampleResult sample(const LoadedModel& model, const at::Tensor& buffers, const at::Tensor& latent,
                    const at::Tensor& noise, const SampleOptions& options, const JobContext& job) {
  DRIG_CHECK(buffers.dim() == 4 && buffers.size(1) == 9,
             "physical buffers must be (B, 9, H, W), got [{}]", fmt::join(buffers.sizes(), ","));
  DRIG_CHECK(buffers.size(1) + 3 == model.config.in_channels,
             "the model takes {} input channels, buffers give {}", model.config.in_channels,
             buffers.size(1) + 3);
  DRIG_CHECK(latent.dim() == 2 && latent.size(0) == buffers.size(0) &&
                 latent.size(1) == model.config.latent_dim,
             "latent must be ({}, {}), got [{}]", buffers.size(0), model.config.latent_dim,
             fmt::join(latent.sizes(), ","));
  torch::InferenceMode guard;
  const auto& device = model.device;
  at::Tensor x_t;
  if (noise.defined()) {
    DRIG_CHECK(noise.sizes() ==
                   at::IntArrayRef({buffers.size(0), 3, buffers.size(2), buffers.size(3)}),
               "x_T must be ({}, 3, {}, {}), got [{}]", buffers.size(0), buffers.size(2),
               buffers.size(3), fmt::join(noise.sizes(), ","));
    x_t = noise.to(device, torch::kFloat);
  } else {
    if (options.seed >= 0)
      torch::manual_seed(static_cast<uint64_t>(options.seed));
    x_t = torch::randn({buffers.size(0), 3, buffers.size(2), buffers.size(3)}).to(device);
  }
  const at::Tensor physic = buffers.to(device, torch::kFloat);
  const at::Tensor cond = latent.to(device, torch::kFloat);
  const diffusion::Schedule schedule = diffusion::make_schedule("linear", 1000, options.respacing);
  std::vector<at::Tensor> predictions;
  const diffusion::Denoiser denoise = [&](const at::Tensor& x, const at::Tensor& t) {
    return model.model->denoisingUNet->forward(x, t, physic, cond);
  };
  SampleResult result;
  result.samples =
      diffusion::ddim_sample_loop(schedule, denoise, x_t, options.eta, options.clip_denoised, job,
                                  [&](int64_t, const at::Tensor&, const at::Tensor& pred) {
                                    if (options.keep_predictions)
                                      predictions.push_back(pred.cpu());
                                  })
          .cpu();
  if (!predictions.empty())
    result.predictions = torch::stack(predictions);
  return result;
}

} // namespace drig
