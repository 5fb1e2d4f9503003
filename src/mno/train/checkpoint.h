#pragma once
// Checkpoints (docs/architecture.md): everything a run needs to continue exactly — model, optimiser
// (Adam moments and step counts), position in the data (epoch, batch, step), the partial epoch
// loss, RNG states, the log so far and the config — in one LibTorch archive written atomically.
// The schedule is a pure function of the step, so the step is its whole state.
//
// Loading checks the stored parameter names and shapes against the model first, so a checkpoint
// of another model is one error naming the first parameter that differs, not a LibTorch trace.
#include <cstdint>
#include <limits>
#include <string>

#include <torch/torch.h>

namespace mno::train {

struct TrainState {
  int64_t epoch = 0;            // the epoch in progress, or the next one to start
  int64_t batch = 0;            // batches of `epoch` already done
  int64_t step = 0;             // optimiser steps done
  double epoch_loss_sum = 0.0;  // summed batch losses of `epoch` so far
  double seconds = 0.0;         // training wall time so far
  double best_metric = std::numeric_limits<double>::infinity();
  int64_t best_epoch = -1;
  std::string log_csv;          // log.csv as of this state
};

// "name [shape]" per parameter and buffer, one per line: what a checkpoint must match.
std::string parameter_signature(const torch::nn::Module& model);

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainState& state, const std::string& config_yaml);

struct LoadedCheckpoint {
  TrainState state;
  std::string config_yaml;
};

// Restores the model (and the optimiser and RNG states when `optimizer` is given) on its device.
// A corrupt file (zip CRC-32s, per-tensor CRC-32s; checkpoint.cpp) is an error naming what is wrong.
LoadedCheckpoint load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer);

}  // namespace mno::train
