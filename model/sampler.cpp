#include "model/sampler.h"

#include "model/base/error.h"
#include "model/base/paths.h"
#include "model/cuda_graph.h"
#include "model/diffusion/ancestral.h"
#include "model/diffusion/gaussian_diffusion.h"
#include "model/diffusion/ode_solver.h"
#include "model/formats/torch_checkpoint.h"
#include "model/networks/diffusionrig_model.h"
#include "model/random.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <random>

namespace drig {

at::MemoryFormat inference_memory_format(const c10::Device& device) {
  return device.is_cuda() || env_switch_on("DRIG_CHANNELS_LAST") ? at::MemoryFormat::ChannelsLast
                                                                 : at::MemoryFormat::Contiguous;
}

LoadedModel prepare_for_inference(std::shared_ptr<networks::DiffusionRigImpl> model,
                                  const DiffusionRigConfig& config, const c10::Device& device) {
  model->eval();
  model->to(device);
  if (device.is_cuda())
    at::globalContext().setBenchmarkCuDNN(true);
  const at::MemoryFormat format = inference_memory_format(device);
  if (format != at::MemoryFormat::Contiguous) {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters())
      if (p.dim() == 4)
        p.set_data(p.contiguous(format));
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
  const at::Tensor input =
      images.to(model.device, torch::kFloat).contiguous(inference_memory_format(model.device));
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

// The solver that runs `options`: order 0 = the original's respaced loops.
struct SolverPlan {
  int order = 0;
  bool corrector = false;
  std::vector<int64_t> timesteps;
};

SolverPlan plan_solver(const SampleOptions& options, const diffusion::Schedule& base) {
  const diffusion::SamplerKind kind = diffusion::parse_sampler(options.sampler);
  SolverPlan plan;
  if (kind == diffusion::SamplerKind::ddim && options.placement.empty())
    return plan;
  // SampleOptions::check, run by sample() first, refused ancestral sampling
  // and eta != 0 here.
  plan.order = kind == diffusion::SamplerKind::dpmpp3m ? 3
               : kind == diffusion::SamplerKind::ddim  ? 1
                                                       : 2;
  plan.corrector = kind == diffusion::SamplerKind::unipc;
  plan.timesteps = diffusion::solver_timesteps(
      base.alphas_cumprod, solver_step_count(options.respacing),
      options.placement.empty() ? diffusion::StepPlacement::quadratic_t
                                : diffusion::parse_placement(options.placement));
  return plan;
}

} // namespace

int64_t solver_step_count(const std::string& spec) {
  const std::string digits = spec.rfind("ddim", 0) == 0 ? spec.substr(4) : spec;
  int64_t steps = 0;
  size_t used = 0;
  try {
    steps = std::stoll(digits, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  DRIG_CHECK(used > 0 && used == digits.size() && steps > 0,
             "steps \"{}\": this sampler takes a step count such as 15", spec);
  return steps;
}

void SampleOptions::check(OptionCheck& check) const {
  // Each parser's own message names the bad value and what it accepts.
  const auto parses = [&check](const std::function<void()>& parse) {
    try {
      parse();
      return true;
    } catch (const Error& e) {
      check.require(false, e.what());
      return false;
    }
  };
  bool solver = !placement.empty();
  parses([&] {
    solver = solver || diffusion::parse_sampler(sampler) != diffusion::SamplerKind::ddim;
  });
  if (!placement.empty())
    parses([&] { diffusion::parse_placement(placement); });
  if (solver)
    parses([&] { solver_step_count(respacing); });
  else
    parses([&] { diffusion::make_schedule("linear", 1000, respacing); });
  check.require(eta >= 0.0, fmt::format("eta must not be negative, got {}", eta));
  check.require(!solver || eta == 0.0,
                fmt::format("eta {} makes DDIM stochastic: the {} solver and step placements are "
                            "for the deterministic ODE (eta 0)",
                            eta, sampler));
  check.require(!solver || ddim,
                "ancestral sampling (--no-ddim) runs on the original's respacing only");
  check.require(batch >= 0, fmt::format("batch must not be negative, got {}", batch));
}

SampleResult sample(const LoadedModel& model, const at::Tensor& buffers, const at::Tensor& latent,
                    const at::Tensor& noise, const SampleOptions& options, const JobContext& job) {
  {
    OptionCheck check;
    options.check(check);
    check.throw_if_failed("sampling options");
  }
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
  const networks::ForwardCancelScope cancel_within_steps(job.cancel);
  const auto& device = model.device;
  const uint64_t seed = options.seed >= 0
                            ? uint64_t(options.seed)
                            : uint64_t(std::random_device{}()) << 32 | std::random_device{}();
  at::Tensor x_t;
  if (noise.defined()) {
    DRIG_CHECK(noise.sizes() ==
                   at::IntArrayRef({buffers.size(0), 3, buffers.size(2), buffers.size(3)}),
               "x_T must be ({}, 3, {}, {}), got [{}]", buffers.size(0), buffers.size(2),
               buffers.size(3), fmt::join(noise.sizes(), ","));
    x_t = noise.to(device, torch::kFloat);
  } else {
    // Drawn on the CPU, so a seed gives one x_T on every device.
    x_t = at::randn({buffers.size(0), 3, buffers.size(2), buffers.size(3)}, make_generator(seed))
              .to(device);
  }
  // Noise inside the loop (the ancestral sampler, DDIM with eta > 0).
  const GeneratorScope loop_draws(seed + 1);
  const auto memory_format = inference_memory_format(device);
  const diffusion::Schedule base = diffusion::make_schedule("linear", 1000, "");
  const SolverPlan plan = plan_solver(options, base);
  const diffusion::Schedule schedule =
      plan.order > 0 ? base : diffusion::make_schedule("linear", 1000, options.respacing);
  const int64_t first_timestep =
      plan.order > 0 ? plan.timesteps.front() : schedule.timestep_map.back();
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
        const at::Tensor t0 = torch::full({n}, first_timestep, torch::kLong).to(device);
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
    const int64_t steps =
        plan.order > 0 ? static_cast<int64_t>(plan.timesteps.size()) : schedule.size();
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
    // DDIM and the ODE solvers use eps only; a learned-sigma model's
    // variance half is unused.
    const diffusion::Denoiser eps_only = [&](const at::Tensor& x, const at::Tensor& t) {
      const at::Tensor out = denoise(x, t);
      return learned ? out.narrow(1, 0, 3) : out;
    };
    if (plan.order > 0) {
      samples.push_back(diffusion::dpm_solver_loop(base.alphas_cumprod, plan.timesteps, plan.order,
                                                   eps_only, start, options.clip_denoised, sub,
                                                   keep, plan.corrector)
                            .cpu());
    } else if (options.ddim) {
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
