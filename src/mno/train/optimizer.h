#pragma once
// Optimisers from config (train.optimizer; docs/training.md): Adam or AdamW over the model's
// trainable parameters, optionally split into groups by parameter-name prefix, each with its own
// lr and weight decay. OFormer's two Adams (encoder, decoder) with equal settings are one Adam
// with two groups: Adam is element-wise, so the updates are identical.
//
//   optimizer: {type: adamw, lr: 1e-3, weight_decay: 5e-6, betas: [0.9, 0.999], eps: 1e-8,
//               groups: [{prefixes: [encoder], lr: 1e-4}, ...],   # groups optional
//               fused: true}   # LibTorch's fused multi-tensor step where it has one (fused_adam.h)
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/train/schedule.h"

namespace mno::train {

// Adam's or AdamW's hyper-parameters for some parameters.
struct AdamHyper {
  double lr = 1e-3, weight_decay = 0.0, eps = 1e-8;
  std::vector<double> betas{0.9, 0.999};
};

// A parameter group: the trainable parameters whose names start with one of `prefixes`.
struct OptimizerGroupSpec {
  std::vector<std::string> prefixes;
  AdamHyper hyper;
  std::string where;  // its key, for errors: "train.optimizer.groups[0]"
};

// train.optimizer as read and checked (every default filled in); the parameters it applies to
// are known only once a model exists (Optimizer below).
struct OptimizerSpec {
  std::string type = "adam";  // adam | adamw
  AdamHyper hyper;            // the default group's ("rest")
  bool fused = true;
  std::vector<OptimizerGroupSpec> groups;
  std::string where;  // the section's key, for errors: "train.optimizer"
};

// Reads train.optimizer (`node`), rejecting unknown keys.
OptimizerSpec read_optimizer_spec(const ConfigNode& node);

class Optimizer {
 public:
  // Over `model`'s trainable parameters; an error when a group's prefixes match none of them.
  Optimizer(const OptimizerSpec& spec, torch::nn::Module& model);

  torch::optim::Optimizer& get() { return *optimizer_; }
  double base_lr() const { return base_lr_; }
  // Sets every group's lr to value.lr × (group lr / base lr), and Adam's β₁ when the schedule cycles it.
  void apply(const ScheduleValue& value);
  double current_lr() const;  // of the first group
  std::string describe() const;

 private:
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::string type_;
  double base_lr_ = 1e-3;
  std::vector<double> lr_scale_;  // per group
  std::vector<std::string> group_names_;
  std::string step_kind_;  // "fused step", or which torch::optim step and why
};

}  // namespace mno::train
