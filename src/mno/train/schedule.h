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

// train.schedule as read and checked (every default filled in); its length is known only once the
// training split is (make_schedule).
struct ScheduleSpec {
  std::string type = "constant";  // constant | onecycle | step | cosine
  OneCycleOptions onecycle;       // onecycle (total_steps set by make_schedule)
  int64_t step_size = 100;        // step: epochs between decays
  double gamma = 0.5;             // step: the decay
  double min_lr = 0.0;            // cosine: the floor
};

// Reads train.schedule (`node`), rejecting unknown keys. `base_lr` is the optimiser's lr, the
// default of onecycle's max_lr.
ScheduleSpec read_schedule_spec(const ConfigNode& node, double base_lr);

// The schedule of `spec` for a run of `total_steps` optimiser steps with `steps_per_epoch` steps an
// epoch. `base_lr` is the optimiser's lr (used by constant/step/cosine).
std::unique_ptr<LrSchedule> make_schedule(const ScheduleSpec& spec, double base_lr, int64_t total_steps,
                                          int64_t steps_per_epoch);

}  // namespace mno::train
