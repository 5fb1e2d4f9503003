#pragma once
// The train: section of a training config (docs/training.md); run/experiment.h reads the whole
// config (model:, data:, train:) once, in full, before anything is written, so a typo or a wrong
// type is one clear error naming the key and nothing is left behind.
//
//   name: darcy_gt_mamba        # run directory runs/<name> (default: <dataset>_<config file stem>)
//   model: {...}                # docs/models.md
//   data:  {file: ..., stride: 2, split: pdebench, train_samples: 0, test_samples: 0, ...}
//   train: {device: cpu, epochs: 100, batch_size: 8, optimizer: {...}, schedule: {...}, ...}
#include <cstdint>
#include <string>

#include "mno/core/config.h"

namespace mno::train {

struct TrainConfig {
  std::string device = "auto";  // auto (cuda when available) | cpu | cuda
  uint64_t seed = 0;
  int64_t epochs = 1;
  int64_t iterations = 0;      // > 0: stop after this many optimiser steps (OFormer)
  int64_t batch_size = 8;
  int64_t eval_batch_size = 8;
  bool drop_last = true;       // the authors' GT loaders drop a short last batch
  int64_t eval_every = 1;      // epochs between test-set evaluations (0: only at the end)
  std::string loss = "mse";    // mse | rel_l2
  std::string loss_space = "normalised";  // normalised | physical (targets de-normalised first)
  double clip_grad_norm = 0.0;            // 0: no clipping
  std::string select_metric = "nrmse";    // standard-mode test metric for the best checkpoint
  std::string report_checkpoint = "last"; // last | best: which one the final evaluation uses
  int64_t plot_samples = 2;               // test samples drawn in the report
  bool bf16 = false;                      // bf16 autocast of the training forward pass (CUDA only)
  // Several processes (docs/distributed.md): the process group, and how long any collective or
  // the rendezvous may wait before every rank stops with an error.
  std::string backend = "auto";           // auto (nccl on CUDA, gloo on CPU) | gloo | nccl
  double distributed_timeout_s = 600.0;

  // Optimiser steps in one pass over `train_samples` (one process): whole batches, plus a short
  // last one unless drop_last.
  int64_t steps_per_epoch(size_t train_samples) const {
    const auto n = static_cast<int64_t>(train_samples);
    return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
  }
};

// Reads the train: section (`node`), rejecting unknown keys; its optimizer and schedule
// sections are read by read_optimizer_spec and read_schedule_spec.
TrainConfig read_train_config(const ConfigNode& node);

// "configs/darcy/gt_mamba.yaml" -> "darcy_gt_mamba".
std::string default_run_name(const std::string& config_path);

}  // namespace mno::train
