#pragma once

// `diffusionrig train`: the original scripts/train.py + TrainLoop. Stage 1
// shuffles the LMDB in epochs (drop_last); stage 2 keeps the album in memory
// and draws independent batches without replacement. Every step's
// randomness (batch, timesteps, noise, dropout) is seeded from (seed, step),
// so a run resumed from a checkpoint continues exactly as if never stopped.
#include "model/base/options.h"
#include "model/base/progress.h"
#include "model/train_step.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>

namespace drig::training {

struct TrainLoopOptions {
  int stage = 2;
  std::filesystem::path data_dir; // the LMDB from create-data
  std::filesystem::path log_dir;  // checkpoints, progress.csv
  std::filesystem::path resume_checkpoint;
  nlohmann::json model_config; // original flag names (image_size, num_channels, ...)
  TrainOptions step;           // lr, p2 weighting, precision, clipping
  int batch_size = 4;          // per process, as the original (global = batch_size x WORLD_SIZE)
  // Each batch in this many equal parts, one forward/backward each, the
  // gradients averaged: less memory, and K parts in one process reproduce a
  // K-process run (same BatchNorm statistics, same draws) exactly.
  int micro_batches = 1;
  // Ranks > 0 also write their weights (log_dir/rank<R>/model%06d.pt) at each
  // save: a check that every process holds the same model.
  bool save_every_rank = false;
  bool tensorboard = true; // events.out.tfevents.* beside progress.csv
  int64_t max_steps = 0;   // 0 = until cancelled (the original's "forever")
  int64_t save_interval = 5000;
  int64_t log_interval = 10;
  uint64_t seed = 0;
  std::string device = "auto";
  // Every K steps (0 = never): DDIM samples of the first 4 dataset images
  // with the current weights, as preview_NNNNNN.png (photo over sample).
  int64_t preview_interval = 0;
  std::string preview_respacing = "ddim20";

  // Every problem at once (stage, dataset, resume file, batch split,
  // intervals, learning rate, device) before the model is built.
  void check(OptionCheck& check) const;
};

struct TrainUpdate {
  std::filesystem::path preview; // set on steps that wrote one
  int64_t step = 0;              // updates done
  double loss = 0, grad_norm = 0, lr = 0;
  double steps_per_second = 0;
  double eta_seconds = -1; // -1 without max_steps
  bool skipped = false;    // fp16: inf/nan gradients
};

struct TrainSummary {
  int64_t start_step = 0, steps = 0;
  std::filesystem::path last_checkpoint;
  bool cancelled = false;
};

// Under a launcher (torchrun/mpirun variables, WORLD_SIZE > 1) every process
// runs this with the same options: rank r trains on slice r of each global
// batch, gradients are averaged over the ranks (c10d), and rank 0 alone
// writes checkpoints, progress.csv and previews (see distributed.h).
//
// Checkpoints: model%06d.pt (the full state_dict, torch zip with records
// under "archive/", as the original) and opt%06d.pt (Adam, the original's
// layout; the original writes it in stage 1 only), plus train%06d.json
// (step, seed, loss scale). All atomic; a cancelled run saves where it is.
TrainSummary train(const TrainLoopOptions& options, const JobContext& job,
                   const std::function<void(const TrainUpdate&)>& on_update = {});

} // namespace drig::training
