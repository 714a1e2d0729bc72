#include "training/train/train_loop.h"

#include <torch/torch.h>

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/base/log.h"
#include "model/device.h"
#include "model/diffusionrig_config.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "model/networks/diffusionrig_model.h"
#include "model/random.h"
#include "model/sampler.h"
#include "training/rig/buffer_images.h"
#include "training/train/distributed.h"
#include "training/train/event_file.h"
#include "training/train/optimizer_state.h"
#include "training/train/train_data.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <regex>

#include <ATen/CPUGeneratorImpl.h>

namespace fs = std::filesystem;

namespace drig::training {
namespace {

using Clock = std::chrono::steady_clock;

fs::path numbered(const fs::path& dir, const char* prefix, int64_t step, const char* ext) {
  return dir / fmt::format("{}{:06d}{}", prefix, step, ext);
}

// The weights as the files hold them: detached, on the CPU.
formats::NamedTensors cpu_state_dict(networks::DiffusionRigImpl& model) {
  formats::NamedTensors tensors = networks::state_dict(model);
  for (auto& [name, t] : tensors)
    t = t.detach().to(at::kCPU);
  return tensors;
}

struct Start {
  DiffusionRigConfig config;
  formats::NamedTensors weights; // empty: fresh initialisation
  int64_t step = 0;
  formats::TorchCheckpoint optimizer; // root null when there is none
  std::string optimizer_name;
};

Start prepare(const TrainLoopOptions& o) {
  Start s;
  if (o.resume_checkpoint.empty()) {
    s.config = config_from_arguments(o.model_config, "the command line");
    return s;
  }
  const fs::path& ckpt = o.resume_checkpoint;
  DRIG_CHECK(fs::exists(ckpt), "{}: the checkpoint to resume from does not exist", ckpt.string());
  const formats::TorchCheckpoint loaded = formats::load_torch_checkpoint(ckpt);
  s.weights = formats::state_dict_tensors(*loaded.root, ckpt.filename().string());
  DRIG_CHECK(is_diffusionrig_state_dict(s.weights), "{}: not a DiffusionRig checkpoint",
             ckpt.string());
  s.config = infer_diffusionrig_config(s.weights);
  apply_config_json(s.config, o.model_config, "the command line (against " + ckpt.string() + ")");
  std::smatch m;
  const std::string name = ckpt.filename().string();
  if (std::regex_match(name, m, std::regex(R"(model(\d+)\.pt)"))) {
    const int64_t n = std::stoll(m[1].str());
    const fs::path opt = numbered(ckpt.parent_path(), "opt", n, ".pt");
    if (fs::exists(opt)) {
      // An interrupted run of ours (or the original's stage 1): continue it.
      s.optimizer = formats::load_torch_checkpoint(opt);
      s.optimizer_name = opt.string();
      s.step = n;
    } else if (o.stage == 1) {
      s.step = n; // the original parses the step in stage 1 even without opt
    }
  }
  return s;
}

void save_checkpoint(const fs::path& dir, int64_t step, networks::DiffusionRigImpl& model,
                     TrainStep& trainer, uint64_t seed) {
  const fs::path model_file = numbered(dir, "model", step, ".pt");
  try {
    // Optimizer and state first: a model file means its checkpoint is whole.
    formats::save_torch_object(numbered(dir, "opt", step, ".pt"),
                               *adam_state_tree(trainer.optimizer()), "archive");
    const nlohmann::json state = {
        {"step", step}, {"seed", seed}, {"loss_scale", trainer.loss_scale()}};
    write_file_atomic(numbered(dir, "train", step, ".json"), state.dump(1));
    const formats::NamedTensors tensors = cpu_state_dict(model);
    formats::save_state_dict(model_file, tensors, "archive");
  } catch (const std::exception& e) {
    throw Error(fmt::format("cannot write checkpoint {}: {} (is the disk full?); earlier "
                            "checkpoints in {} are intact",
                            model_file.string(), e.what(), dir.string()));
  }
}

// Samples with a copy of the current weights, so training's modules keep
// their mode and memory format.
fs::path write_preview(const fs::path& dir, int64_t step, const DiffusionRigConfig& config,
                       networks::DiffusionRigImpl& model, const Batch& batch,
                       const std::string& respacing, const c10::Device& device) {
  auto copy = std::make_shared<networks::DiffusionRigImpl>(config);
  const formats::NamedTensors tensors = cpu_state_dict(model);
  networks::load_state_dict(*copy, tensors, "the current weights");
  const LoadedModel loaded = prepare_for_inference(copy, config, device);
  SampleOptions options;
  options.respacing = respacing;
  options.seed = 1234; // the same noise every time: previews compare across steps
  const at::Tensor latent = encode_latent(loaded, batch.images);
  const at::Tensor samples = sample(loaded, batch.buffers, latent, {}, options).samples;
  // Two rows: the dataset photos over their reconstructions.
  const auto row = [](const at::Tensor& images) {
    return at::cat(at::unbind(images.to(at::kFloat).cpu(), 0), 2); // (3,H,B*W)
  };
  const at::Tensor grid = at::cat({row(batch.images), row(samples)}, 1);
  const at::Tensor hwc =
      ((grid.clamp(-1, 1) + 1) * 127.5).round().to(at::kByte).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(int(hwc.size(0)), int(hwc.size(1)), CV_8UC3, hwc.data_ptr());
  const fs::path path = numbered(dir, "preview", step, ".png");
  write_rgb_png(path, rgb.clone());
  return path;
}

void save_rank_weights(const fs::path& dir, int rank, int64_t step,
                       networks::DiffusionRigImpl& model) {
  const fs::path folder = dir / fmt::format("rank{}", rank);
  std::error_code ec;
  fs::create_directories(folder, ec);
  const formats::NamedTensors tensors = cpu_state_dict(model);
  formats::save_state_dict(numbered(folder, "model", step, ".pt"), tensors, "archive");
}

bool is_out_of_memory(const std::exception& e) {
  return std::string(e.what()).find("out of memory") != std::string::npos;
}

} // namespace

void TrainLoopOptions::check(OptionCheck& c) const {
  std::error_code ec;
  c.require(stage == 1 || stage == 2, fmt::format("--stage must be 1 or 2, got {}", stage));
  c.require(fs::is_directory(data_dir, ec),
            fmt::format("{}: the dataset does not exist (`diffusionrig create-data` makes it)",
                        data_dir.string()));
  c.require(!log_dir.empty(), "no log folder given");
  c.require(
      resume_checkpoint.empty() || fs::is_regular_file(resume_checkpoint, ec),
      fmt::format("{}: the checkpoint to resume from does not exist", resume_checkpoint.string()));
  c.require(batch_size >= 1, fmt::format("--batch_size must be at least 1, got {}", batch_size));
  c.require(micro_batches >= 1 && batch_size % std::max(1, micro_batches) == 0,
            fmt::format("--batch_size {} does not split into --micro_batches {}", batch_size,
                        micro_batches));
  c.require(save_interval >= 1 && log_interval >= 1 && max_steps >= 0 && preview_interval >= 0,
            "--save_interval and --log_interval must be >= 1, --max_steps and "
            "--preview_interval >= 0");
  c.require(step.lr > 0, fmt::format("--lr must be positive, got {}", step.lr));
  c.require_parses([&] { DeviceSpec::parse(device); });
}

TrainSummary train(const TrainLoopOptions& o, const JobContext& job,
                   const std::function<void(const TrainUpdate&)>& on_update) {
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("train");
  std::error_code ec;
  fs::create_directories(o.log_dir, ec);
  DRIG_CHECK(fs::is_directory(o.log_dir), "{}: cannot create the log folder", o.log_dir.string());
  const DistributedEnv dist = DistributedEnv::from_environment();
  std::unique_ptr<ProcessGroup> group;
  if (dist.active()) {
    spdlog::info("rank {} of {}: joining {}:{}", dist.rank, dist.world_size, dist.master_addr,
                 dist.master_port);
    group = std::make_unique<ProcessGroup>(dist, std::chrono::seconds(1800));
  }
  const bool leader = dist.rank == 0;
  DeviceSpec device_spec = DeviceSpec::parse(o.device);
  c10::Device device = resolve_device(device_spec);
  if (dist.active() && device.is_cuda() && !device.has_index())
    device = c10::Device(c10::kCUDA, c10::DeviceIndex(dist.local_rank)); // one GPU per process
  const BatchSource data(o.data_dir, o.stage, o.batch_size * dist.world_size, o.seed);

  Start start = prepare(o);
  if (start.config.image_size == 0)
    start.config.image_size = int(data.image_size());
  DRIG_CHECK(start.config.image_size == data.image_size(),
             "the model is for {0}x{0} images but {1} holds {2}x{2}", start.config.image_size,
             o.data_dir.string(), data.image_size());
  validate(start.config);
  auto model = std::make_shared<networks::DiffusionRigImpl>(start.config);
  initialize_weights(*model, step_seed(o.seed, -1, 3)); // the initial weights are part of the run
  if (!start.weights.empty())
    networks::load_state_dict(*model, start.weights, o.resume_checkpoint.filename().string());
  model->to(device);
  model->train(); // as the original: dropout on, encoder BN on batch statistics
  TrainStep trainer(model, o.step);
  if (start.optimizer.root) {
    restore_adam_state(trainer.optimizer(), *start.optimizer.root, start.optimizer_name);
    spdlog::info("resuming at step {} with the optimizer state of {}", start.step,
                 start.optimizer_name);
  }
  if (group) {
    // Every rank starts from rank 0's weights, as DDP does.
    std::vector<at::Tensor> params = model->parameters();
    torch::NoGradGuard no_grad;
    group->broadcast(params);
    trainer.set_gradient_reducer([&group](std::vector<at::Tensor>& g) { group->average(g); });
  }
  // Randomness of a step, independent of how the batch is split: t and noise
  // for the global batch from one generator, dropout per part.
  const auto chunk_seeds = [&](int64_t step) {
    std::vector<uint64_t> seeds;
    for (int k = 0; k < o.micro_batches; ++k)
      seeds.push_back(step_seed(o.seed, step, 16 + uint64_t(dist.rank) * o.micro_batches + k));
    return seeds;
  };
  const auto step_noise = [&](int64_t step, const at::Tensor& images) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(step_seed(o.seed, step, 4));
    const int64_t global = images.size(0) * dist.world_size;
    const at::Tensor t = at::randint(0, 1000, {global}, gen, at::TensorOptions(at::kLong));
    std::vector<int64_t> shape = images.sizes().vec();
    shape[0] = global;
    const at::Tensor noise = at::randn(shape, gen, at::TensorOptions(at::kFloat));
    const int64_t n = images.size(0), first = dist.rank * n;
    return std::make_pair(t.narrow(0, first, n), noise.narrow(0, first, n));
  };

  TrainSummary summary;
  summary.start_step = start.step;
  const fs::path csv_path = o.log_dir / "progress.csv";
  std::ofstream csv;
  if (leader) {
    const bool new_csv = !fs::exists(csv_path);
    csv.open(csv_path, std::ios::app);
    if (new_csv)
      csv << "step,loss,grad_norm,lr,steps_per_second,eta_seconds\n";
  }

  std::optional<EventFileWriter> events; // TensorBoard: loss, grad norm, lr, speed
  if (leader && o.tensorboard)
    events.emplace(o.log_dir);

  const Batch preview_batch = o.preview_interval > 0 ? data.first(4) : Batch{};
  int64_t step = start.step, last_saved = start.step;
  const auto t0 = Clock::now();
  const int rank = dist.rank, world = dist.world_size;
  const auto load = [&data, rank, world](int64_t s) { return data.batch(s, rank, world); };
  std::future<Batch> next = std::async(std::launch::async, load, step);
  try {
    while (o.max_steps == 0 || step < o.max_steps) {
      const bool stop = job.cancel.cancelled();
      if (group ? group->any(stop) : stop) {
        summary.cancelled = true;
        break;
      }
      Batch batch = next.get();
      // Prefetch the next batch while this one trains.
      next = std::async(std::launch::async, load, step + 1);
      const auto [t, noise] = step_noise(step, batch.images);
      const StepStats stats =
          trainer.run(batch.images.to(device, /*non_blocking=*/true),
                      batch.buffers.to(device, true), t, noise, chunk_seeds(step));
      ++step;
      TrainUpdate u;
      u.step = step;
      u.loss = group ? group->mean(stats.loss) : stats.loss;
      u.grad_norm = stats.grad_norm;
      u.skipped = stats.skipped;
      u.lr = static_cast<const torch::optim::AdamOptions&>(
                 trainer.optimizer().param_groups()[0].options())
                 .lr();
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      u.steps_per_second = double(step - start.step) / std::max(elapsed, 1e-9);
      if (o.max_steps > 0)
        u.eta_seconds = double(o.max_steps - step) / std::max(u.steps_per_second, 1e-9);
      DRIG_CHECK(std::isfinite(stats.loss) || stats.skipped,
                 "the loss became {} at step {}; the last good checkpoint is kept", stats.loss,
                 step);
      if (!leader) { // only rank 0 reports and writes checkpoints
        if (o.save_every_rank && step % o.save_interval == 0) {
          save_rank_weights(o.log_dir, rank, step, *model);
          last_saved = step;
        }
        continue;
      }
      if (step % o.log_interval == 0 || step == o.max_steps) {
        csv << fmt::format("{},{:.8g},{:.6g},{:.6g},{:.4g},{:.1f}\n", u.step, u.loss, u.grad_norm,
                           u.lr, u.steps_per_second, u.eta_seconds);
        csv.flush();
        if (events) {
          const double wall =
              std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
          events->add_scalar("loss", u.loss, step, wall);
          events->add_scalar("grad_norm", u.grad_norm, step, wall);
          events->add_scalar("lr", u.lr, step, wall);
          events->add_scalar("steps_per_second", u.steps_per_second, step, wall);
          events->flush();
        }
        if (job.on_progress)
          job.on_progress(ProgressUpdate{"train", step, o.max_steps, u.eta_seconds,
                                         fmt::format("loss {:.5f}", u.loss)});
      }
      if (o.preview_interval > 0 && step % o.preview_interval == 0) {
        u.preview = write_preview(o.log_dir, step, start.config, *model, preview_batch,
                                  o.preview_respacing, device);
        model->train();
      }
      if (on_update)
        on_update(u);
      if (step % o.save_interval == 0) {
        save_checkpoint(o.log_dir, step, *model, trainer, o.seed);
        last_saved = step;
        summary.last_checkpoint = numbered(o.log_dir, "model", step, ".pt");
      }
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    if (is_out_of_memory(e))
      throw Error(fmt::format("{} ran out of memory at batch size {}; try a smaller "
                              "--batch_size. Checkpoints written so far are intact.",
                              device.str(), o.batch_size));
    throw;
  }
  if (next.valid())
    next.wait();
  if (leader && step != last_saved) {
    save_checkpoint(o.log_dir, step, *model, trainer, o.seed);
    summary.last_checkpoint = numbered(o.log_dir, "model", step, ".pt");
  } else if (!leader && o.save_every_rank && step != last_saved) {
    save_rank_weights(o.log_dir, rank, step, *model);
  }
  summary.steps = step;
  return summary;
}

} // namespace drig::training
