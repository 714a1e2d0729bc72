#include "model/sampler.h"

#include "model/base/error.h"
#include "model/cuda_graph.h"
#include "model/diffusion/ancestral.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/formats/torch_checkpoint.h"
#include "model/networks/diffusionrig_model.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

namespace drig {

LoadedModel prepare_for_inference(std::shared_ptr<networks::DiffusionRigImpl> model,
                                  const DiffusionRigConfig& config, const c10::Device& device) {
  model->eval();
  model->to(device);
  if (device.is_cuda()) {
    at::globalContext().setBenchmarkCuDNN(true);
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters())
      if (p.dim() == 4)
        p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  LoadedModel loaded;
  loaded.config = config;
  loaded.model = std::move(model);
  loaded.device = device;
  return loaded;
}

LoadedModel load_diffusionrig(const std::filesystem::path& checkpoint, const c10::Device& device,
                              const std::filesystem::path& config_json) {
  const formats::TorchCheckpoint ckpt = formats::load_torch_checkpoint(checkpoint);
  const formats::NamedTensors tensors =
      formats::state_dict_tensors(*ckpt.root, checkpoint.filename().string());
  DRIG_CHECK(is_diffusionrig_state_dict(tensors),
             "{}: not a DiffusionRig checkpoint (no denoisingUNet/encoder weights; "
             "`diffusionrig inspect` shows what it is)",
             checkpoint.string());
  DiffusionRigConfig config = infer_diffusionrig_config(tensors);
  if (!config_json.empty())
    apply_config_file(config, config_json.string());
  auto model = std::make_shared<networks::DiffusionRigImpl>(config);
  networks::load_state_dict(*model, tensors, checkpoint.filename().string());
  return prepare_for_inference(std::move(model), config, device);
}

at::Tensor encode_latent(const LoadedModel& model, const at::Tensor& images) {
  torch::InferenceMode guard;
  at::Tensor input = images.to(model.device, torch::kFloat);
  if (model.device.is_cuda())
    input = input.contiguous(at::MemoryFormat::ChannelsLast);
  return model.model->encode(input).to(torch::kFloat).cpu();
}

namespace {

// Progress of one chunk of `chunks` mapped onto the whole job.
JobContext chunk_job(const JobContext& job, int64_t chunk, int64_t chunks) {
  JobContext sub;
  sub.cancel = job.cancel;
  if (job.on_progress)
    sub.on_progress = [&job, chunk, chunks](const ProgressUpdate& u) {
      ProgressUpdate all = u;
      all.done = chunk * u.total + u.done;
      all.total = chunks * u.total;
      if (u.eta_seconds >= 0 && u.done > 0)
        all.eta_seconds = u.eta_seconds / double(u.total - u.done > 0 ? u.total - u.done : 1) *
                          double(all.total - all.done);
      job.on_progress(all);
    };
  return sub;
}

} // namespace

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
  const auto memory_format =
      device.is_cuda() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const diffusion::Schedule schedule = diffusion::make_schedule("linear", 1000, options.respacing);
  const int64_t total = buffers.size(0);
  const int64_t per_chunk = options.batch > 0 ? std::min(options.batch, total) : total;
  const int64_t chunks = (total + per_chunk - 1) / per_chunk;
  std::vector<at::Tensor> samples, predictions;
  // One scope for the loop, so weights are cast once, not at every step; the
  // DDIM arithmetic in between is not an autocast op and stays fp32. It also
  // refuses a precision the device cannot run.
  const AutocastScope autocast(device, options.precision);
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t begin = chunk * per_chunk, n = std::min(per_chunk, total - begin);
    const at::Tensor physic =
        buffers.narrow(0, begin, n).to(device, torch::kFloat).contiguous(memory_format);
    const at::Tensor cond = latent.narrow(0, begin, n).to(device, torch::kFloat);
    const GraphableForward forward = [&](const at::Tensor& x, const at::Tensor& t,
                                         const at::Tensor& p, const at::Tensor& c) {
      // The DDIM update stays in fp32 whatever the network ran in.
      return model.model->denoisingUNet->forward(x.contiguous(memory_format), t, p, c)
          .to(torch::kFloat);
    };
    std::shared_ptr<CudaGraphForward>& graph = *model.graph;
    bool use_graph = device.is_cuda() && cuda_graphs_enabled();
    if (use_graph &&
        !(graph && graph->matches(x_t.narrow(0, begin, n), physic, cond, options.precision))) {
      graph.reset();
      try {
        const at::Tensor t0 = diffusion::model_timesteps(
            schedule, torch::full({n}, schedule.size() - 1, torch::kLong).to(device));
        graph = std::make_shared<CudaGraphForward>(
            forward, x_t.narrow(0, begin, n).contiguous(memory_format), t0, physic, cond,
            options.precision);
      } catch (const Error& e) {
        spdlog::warn("sampling without a CUDA graph: {}", e.what());
        use_graph = false;
      }
    }
    const diffusion::Denoiser denoise = [&](const at::Tensor& x, const at::Tensor& t) {
      return use_graph ? graph->run(x, t, physic, cond) : forward(x, t, physic, cond);
    };
    std::vector<at::Tensor> chunk_predictions;
    const int64_t steps = schedule.size();
    const diffusion::StepCallback keep = [&](int64_t index, const at::Tensor&,
                                             const at::Tensor& pred) {
      if (options.keep_predictions)
        chunk_predictions.push_back(pred.cpu());
      if (options.on_step)
        options.on_step(steps - index, steps, pred);
    };
    const bool learned = model.config.learn_sigma;
    const at::Tensor start = x_t.narrow(0, begin, n);
    const JobContext sub = chunk_job(job, chunk, chunks);
    if (options.ddim) {
      // DDIM uses eps only; a learned-sigma model's variance half is unused.
      const diffusion::Denoiser eps_only = [&](const at::Tensor& x, const at::Tensor& t) {
        const at::Tensor out = denoise(x, t);
        return learned ? out.narrow(1, 0, 3) : out;
      };
      samples.push_back(diffusion::ddim_sample_loop(schedule, eps_only, start, options.eta,
                                                    options.clip_denoised, sub, keep)
                            .cpu());
    } else {
      // The original's p_sample_loop: FIXED_LARGE, or LEARNED_RANGE with learn_sigma.
      samples.push_back(diffusion::p_sample_loop(schedule, denoise, start,
                                                 learned ? diffusion::VarianceType::learned_range
                                                         : diffusion::VarianceType::fixed_large,
                                                 options.clip_denoised, sub, keep)
                            .cpu());
    }
    if (!chunk_predictions.empty())
      predictions.push_back(torch::stack(chunk_predictions));
  }
  SampleResult result;
  result.samples = torch::cat(samples, 0);
  if (!predictions.empty())
    result.predictions = torch::cat(predictions, 1);
  return result;
}

} // namespace drig
