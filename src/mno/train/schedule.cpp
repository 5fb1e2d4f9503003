#include "mno/train/schedule.h"

#include <cmath>

#include <fmt/format.h>

#include "mno/core/error.h"

namespace mno::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

double anneal(double start, double end, double pct, bool cosine) {
  if (cosine) return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1.0);
  return (end - start) * pct + start;
}

class ConstantSchedule : public LrSchedule {
 public:
  explicit ConstantSchedule(double lr) : lr_(lr) {}
  ScheduleValue at(int64_t) const override { return {lr_, std::nullopt}; }
  std::string describe() const override { return fmt::format("constant lr {:g}", lr_); }

 private:
  double lr_;
};

class StepSchedule : public LrSchedule {
 public:
  StepSchedule(double lr, int64_t step_size_epochs, double gamma, int64_t steps_per_epoch)
      : lr_(lr), step_size_(step_size_epochs), gamma_(gamma), steps_per_epoch_(steps_per_epoch) {}
  ScheduleValue at(int64_t step) const override {
    const int64_t epoch = step / steps_per_epoch_;
    return {lr_ * std::pow(gamma_, static_cast<double>(epoch / step_size_)), std::nullopt};
  }
  std::string describe() const override {
    return fmt::format("step: lr {:g} x {:g} every {} epochs", lr_, gamma_, step_size_);
  }

 private:
  double lr_;
  int64_t step_size_;
  double gamma_;
  int64_t steps_per_epoch_;
};

class CosineSchedule : public LrSchedule {
 public:
  CosineSchedule(double lr, double min_lr, int64_t total_steps) : lr_(lr), min_lr_(min_lr), total_(total_steps) {}
  ScheduleValue at(int64_t step) const override {
    const double pct = total_ <= 1 ? 1.0 : std::min(1.0, static_cast<double>(step) / static_cast<double>(total_ - 1));
    return {anneal(lr_, min_lr_, pct, /*cosine=*/true), std::nullopt};
  }
  std::string describe() const override {
    return fmt::format("cosine: lr {:g} -> {:g} over {} steps", lr_, min_lr_, total_);
  }

 private:
  double lr_, min_lr_;
  int64_t total_;
};

}  // namespace

OneCycleSchedule::OneCycleSchedule(OneCycleOptions options) : o_(options) {
  check(o_.total_steps >= 2, "train.schedule (onecycle): needs at least 2 optimiser steps, found {}", o_.total_steps);
  check(o_.pct_start > 0.0 && o_.pct_start < 1.0, "train.schedule.pct_start: expected a value in (0, 1), found {}",
        o_.pct_start);
  check(o_.max_lr > 0.0, "train.schedule.max_lr: expected > 0, found {}", o_.max_lr);
  check(o_.div_factor > 0.0 && o_.final_div_factor > 0.0,
        "train.schedule: div_factor and final_div_factor must be > 0, found {} and {}", o_.div_factor,
        o_.final_div_factor);
}

// PyTorch's OneCycleLR (three_phase=False): phase 1 ends at step pct_start·total − 1, phase 2 at
// total − 1; within a phase pct = (step − phase start)/(phase end − phase start).
ScheduleValue OneCycleSchedule::at(int64_t step) const {
  check(step >= 0 && step < o_.total_steps,
        "onecycle schedule: step {} is beyond its {} steps (PyTorch raises here too)", step, o_.total_steps);
  const double initial = o_.max_lr / o_.div_factor;
  const double minimum = initial / o_.final_div_factor;
  const double warm_end = o_.pct_start * static_cast<double>(o_.total_steps) - 1.0;
  const double last = static_cast<double>(o_.total_steps) - 1.0;
  const double s = static_cast<double>(step);
  ScheduleValue v;
  double pct;
  bool warming = s <= warm_end;
  if (warming) {
    pct = warm_end <= 0.0 ? 1.0 : s / warm_end;
    v.lr = anneal(initial, o_.max_lr, pct, o_.cosine);
  } else {
    pct = (s - warm_end) / (last - warm_end);
    v.lr = anneal(o_.max_lr, minimum, pct, o_.cosine);
  }
  if (o_.cycle_momentum) {
    v.beta1 = warming ? anneal(o_.max_momentum, o_.base_momentum, pct, o_.cosine)
                      : anneal(o_.base_momentum, o_.max_momentum, pct, o_.cosine);
  }
  return v;
}

std::string OneCycleSchedule::describe() const {
  return fmt::format("onecycle: max lr {:g}, div {:g}, final div {:g}, pct_start {:g}, {} steps{}", o_.max_lr,
                     o_.div_factor, o_.final_div_factor, o_.pct_start, o_.total_steps,
                     o_.cycle_momentum ? ", beta1 cycled" : "");
}

ScheduleSpec read_schedule_spec(const ConfigNode& node, double base_lr) {
  ScheduleSpec spec;
  spec.type = node.get<std::string>("type", spec.type);
  if (spec.type == "onecycle") {
    OneCycleOptions& o = spec.onecycle;
    o.max_lr = node.get<double>("max_lr", base_lr);
    o.pct_start = node.get<double>("pct_start", o.pct_start);
    o.div_factor = node.get<double>("div_factor", o.div_factor);
    o.final_div_factor = node.get<double>("final_div_factor", o.final_div_factor);
    const auto strategy = node.get<std::string>("anneal", "cos");
    check(strategy == "cos" || strategy == "linear", "{}: expected cos or linear, found '{}'",
          node.path_of("anneal"), strategy);
    o.cosine = strategy == "cos";
    o.cycle_momentum = node.get<bool>("cycle_momentum", o.cycle_momentum);
    o.base_momentum = node.get<double>("base_momentum", o.base_momentum);
    o.max_momentum = node.get<double>("max_momentum", o.max_momentum);
  } else if (spec.type == "step") {
    spec.step_size = node.get<int64_t>("step_size", spec.step_size);
    check(spec.step_size >= 1, "{}: expected >= 1 epoch, found {}", node.path_of("step_size"), spec.step_size);
    spec.gamma = node.get<double>("gamma", spec.gamma);
  } else if (spec.type == "cosine") {
    spec.min_lr = node.get<double>("min_lr", spec.min_lr);
  } else if (spec.type != "constant") {
    throw Error(fmt::format("{}: unknown schedule '{}'; expected constant, onecycle, step or cosine",
                            node.path_of("type"), spec.type));
  }
  node.reject_unknown_keys();
  return spec;
}

std::unique_ptr<LrSchedule> make_schedule(const ScheduleSpec& spec, double base_lr, int64_t total_steps,
                                          int64_t steps_per_epoch) {
  if (spec.type == "onecycle") {
    OneCycleOptions o = spec.onecycle;
    o.total_steps = total_steps;
    return std::make_unique<OneCycleSchedule>(o);
  }
  if (spec.type == "step")
    return std::make_unique<StepSchedule>(base_lr, spec.step_size, spec.gamma, std::max<int64_t>(1, steps_per_epoch));
  if (spec.type == "cosine") return std::make_unique<CosineSchedule>(base_lr, spec.min_lr, total_steps);
  return std::make_unique<ConstantSchedule>(base_lr);
}

}  // namespace mno::train
