#pragma once
// Learning-rate schedules, stepped once per optimiser step (docs/training.md, `train.schedule`). Each is a pure
// function of the step, so a resumed run needs only the step count to continue exactly.
//  - constant;
//  - onecycle: PyTorch's OneCycleLR (two phases, cosine annealing by default): warm up from
//    max_lr/div_factor to max_lr over pct_start·total steps, then anneal to
//    max_lr/(div_factor·final_div_factor); with cycle_momentum Adam's β₁ moves the opposite way
//    between max_momentum and base_momentum, as PyTorch does by default;
//  - step: lr · gamma^(⌊epoch / step_size⌋) (PDEBench's FNO StepLR, stepped per epoch);
//  - cosine: CosineAnnealingLR over all steps, from lr down to min_lr.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mno/core/config.h"

namespace mno::train {

struct ScheduleValue {
  double lr = 0.0;
  std::optional<double> beta1;  // set when the schedule cycles momentum
};

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // The learning rate (and momentum) to use for optimiser step `step` (0-based).
  virtual ScheduleValue at(int64_t step) const = 0;
  virtual std::string describe() const = 0;
};

struct OneCycleOptions {
  double max_lr = 1e-3;
  int64_t total_steps = 0;
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool cosine = true;  // false: linear annealing
  bool cycle_momentum = true;
  double base_momentum = 0.85, max_momentum = 0.95;
};

class OneCycleSchedule : public LrSchedule {
 public:
  explicit OneCycleSchedule(OneCycleOptions options);
  ScheduleValue at(int64_t step) const override;
  std::string describe() const override;

 private:
  OneCycleOptions o_;
};

// Builds the schedule of `node` (train.schedule) for a run of `total_steps` optimiser steps with
// `steps_per_epoch` steps an epoch. `base_lr` is the optimiser's lr (used by constant/step/cosine).
std::unique_ptr<LrSchedule> make_schedule(const ConfigNode& node, double base_lr, int64_t total_steps,
                                          int64_t steps_per_epoch);

}  // namespace mno::train
