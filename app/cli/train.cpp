// diffusionrig train: the original scripts/train.py, same flags.
#include "app/cli/train.h"

#include "model/base/error.h"
#include "model/precision.h"
#include "training/train/train_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

namespace drig::cli {
namespace {

// The model flags of the original argparser, passed on by name.
const char* const kModelFlags[] = {
    "image_size",        "num_channels",         "num_res_blocks",         "attention_resolutions",
    "channel_mult",      "latent_dim",           "encoder_type",           "dropout",
    "learn_sigma",       "use_scale_shift_norm", "resblock_updown",        "num_heads",
    "num_head_channels", "num_heads_upsample",   "use_new_attention_order"};

struct TrainArgs {
  training::TrainLoopOptions loop;
  std::string p2_weight = "True", use_fp16 = "False", precision;
  int num_workers = 1;
  std::map<std::string, std::string> model;
};

} // namespace

CommandRunner add_train_command(CLI::App& sub) {
  auto a = std::make_shared<TrainArgs>();
  auto& o = a->loop;
  sub.add_option("--stage", o.stage,
                 "1: train everything (generic model); 2: personalize (UNet only)")
      ->required()
      ->check(CLI::IsMember({1, 2}));
  sub.add_option("--data_dir,--data-dir", o.data_dir, "The LMDB from create-data")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub.add_option("--log_dir,--log-dir", o.log_dir, "Checkpoints and progress.csv go here")
      ->required();
  sub.add_option("--resume_checkpoint,--resume-checkpoint", o.resume_checkpoint,
                 "modelNNNNNN.pt: continue that run (with optNNNNNN.pt beside it), or start "
                 "stage 2 from a stage 1 model");
  sub.add_option("--lr", o.step.lr, "Learning rate (paper: 1e-4 stage 1, 1e-5 stage 2)")
      ->capture_default_str();
  sub.add_option("--weight_decay,--weight-decay", o.step.weight_decay)->capture_default_str();
  sub.add_option("--batch_size,--batch-size", o.batch_size,
                 "Samples per step and process (global batch = this x WORLD_SIZE)")
      ->capture_default_str();
  sub.add_option("--micro_batches,--micro-batches", o.micro_batches,
                 "Run each batch in K equal parts (less memory; K parts reproduce a K-process "
                 "distributed run exactly)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  sub.add_flag("!--no-tensorboard", o.tensorboard,
               "Do not write TensorBoard event files (events.out.tfevents.*) in the log folder");
  sub.add_flag("--save_every_rank,--save-every-rank", o.save_every_rank,
               "Distributed: ranks > 0 also save their weights to LOG_DIR/rank<R>/ (a check that "
               "all processes agree)");
  sub.add_option("--max_steps,--max-steps", o.max_steps, "Updates to run; 0 = until stopped")
      ->capture_default_str();
  sub.add_option("--save_interval,--save-interval", o.save_interval)->capture_default_str();
  sub.add_option("--log_interval,--log-interval", o.log_interval)->capture_default_str();
  sub.add_option("--p2_weight,--p2-weight", a->p2_weight, "P2 loss weighting (True/False)")
      ->capture_default_str();
  sub.add_option("--use_fp16,--use-fp16", a->use_fp16,
                 "Mixed precision on CUDA (the original's autocast + GradScaler)")
      ->capture_default_str();
  sub.add_option("--precision", a->precision, "fp32, fp16 or bf16 (overrides --use_fp16)");
  sub.add_option("--num_workers,--num-workers", a->num_workers,
                 "Accepted for compatibility; batches are prefetched on a thread");
  sub.add_option("--preview_interval,--preview-interval", o.preview_interval,
                 "Every K steps write preview_NNNNNN.png (DDIM samples of the first 4 photos); "
                 "0 = never")
      ->capture_default_str();
  sub.add_option("--preview_steps,--preview-steps", o.preview_respacing,
                 "Sampling steps of the previews (a timestep_respacing such as ddim20)")
      ->capture_default_str();
  sub.add_option("--seed", o.seed, "Seed of every random draw (batches, timesteps, noise)")
      ->capture_default_str();
  for (const char* name : kModelFlags) {
    std::string dashed = name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    sub.add_option_function<std::string>(
        fmt::format("--{},--{}", name, dashed),
        [a, key = std::string(name)](const std::string& v) { a->model[key] = v; },
        "Model configuration, as the original's flag");
  }
  return [a](CommandEnv& env) {
    training::TrainLoopOptions o = a->loop;
    o.device = env.global.device;
    o.step.stage = o.stage;
    o.step.p2_weight = parse_str2bool(a->p2_weight, "--p2_weight");
    if (!a->precision.empty())
      o.step.precision = parse_precision(a->precision);
    else if (parse_str2bool(a->use_fp16, "--use_fp16"))
      o.step.precision = Precision::fp16;
    o.model_config = nlohmann::json::object();
    for (const auto& [key, value] : a->model)
      o.model_config[key] = value;
    const training::TrainSummary s =
        training::train(o, env.job, [](const training::TrainUpdate& u) { (void)u; });
    if (!s.last_checkpoint.empty())
      std::cout << fmt::format("trained steps {}..{}; last checkpoint {}\n", s.start_step, s.steps,
                               s.last_checkpoint.string());
    else
      std::cout << fmt::format("trained steps {}..{} (rank 0 wrote the checkpoints)\n",
                               s.start_step, s.steps);
    if (s.cancelled)
      throw CancelledError();
    return 0;
  };
}

} // namespace drig::cli
