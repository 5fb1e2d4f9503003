#pragma once
// Runs a model over a split and measures it (docs/metrics.md; docs/training.md): both metric
// modes at once, optionally keeping the first few samples (inputs, truth, prediction) for plots.
// Predictions are de-normalised and the given frames pasted in front, so the metrics see the
// full sequence in physical units, as the authors' and PDEBench's evaluations do.
#include <cstddef>

#include <torch/torch.h>

#include "mno/data/task_data.h"
#include "mno/eval/metrics.h"
#include "mno/models/neural_operator.h"

namespace mno::eval {

// The model's output for a loader batch x [B,H,W,Cin] (physical): [B, L, Cout] in the model's
// (normalised) space. The one place a batch meets a model, shared by training and evaluation.
// batch_pos: the batch's own positions (data::Batch::pos), when its samples each have their own.
torch::Tensor forward_batch(models::NeuralOperatorImpl& model, const data::TaskData& data, const torch::Tensor& x,
                            const torch::Tensor& batch_pos = {});

struct EvalOptions {
  size_t keep_samples = 0;  // first samples kept for plots
  bool progress = false;    // a progress bar over the batches
};

struct Evaluation {
  MetricAccumulator standard, paper;
  size_t samples = 0;
  double seconds = 0.0;
  torch::Tensor inputs;      // [k, H, W, Cin] physical, the kept samples
  torch::Tensor truth;       // [k, H, W, T, C]
  torch::Tensor positions;   // [k, L, 2]: the kept samples' points when they are scattered, else undefined
  torch::Tensor prediction;  // [k, H, W, T, C]
};

// Evaluates `model` (on whatever device it is) in eval mode over every batch of `loader`
// (restored to training mode afterwards when it was in it).
Evaluation evaluate(models::NeuralOperatorImpl& model, const data::TaskData& data, data::BatchLoader& loader,
                    const EvalOptions& options);

}  // namespace mno::eval
