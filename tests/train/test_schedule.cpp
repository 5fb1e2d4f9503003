// Learning-rate schedules against values worked out from PyTorch's definitions.
#include <cmath>

#include <gtest/gtest.h>

#include "mno/train/schedule.h"
#include "support/testing.h"

namespace mno::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<LrSchedule> from_yaml(const std::string& yaml, double lr, int64_t total, int64_t per_epoch) {
  const Config c = Config::parse(yaml, "s.yaml");
  return make_schedule(read_schedule_spec(c.root(), lr), lr, total, per_epoch);
}

// total 10, max 1, div 10 (start 0.1), final div 100 (end 0.001), pct_start 0.3: PyTorch's phase 1
// ends at step 0.3*10 - 1 = 2, phase 2 at step 9.
TEST(OneCycleSchedule, FollowsPyTorchPhasesAndCosineAnnealing) {
  OneCycleOptions o;
  o.max_lr = 1.0;
  o.total_steps = 10;
  o.pct_start = 0.3;
  o.div_factor = 10;
  o.final_div_factor = 100;
  const OneCycleSchedule s(o);
  EXPECT_NEAR(s.at(0).lr, 0.1, 1e-15);
  EXPECT_NEAR(s.at(1).lr, 1.0 + (0.1 - 1.0) / 2 * (std::cos(kPi * 0.5) + 1), 1e-15);  // 0.55
  EXPECT_NEAR(s.at(2).lr, 1.0, 1e-15);
  EXPECT_NEAR(s.at(5).lr, 0.001 + (1.0 - 0.001) / 2 * (std::cos(kPi * 3.0 / 7.0) + 1), 1e-15);
  EXPECT_NEAR(s.at(9).lr, 0.001, 1e-15);
  // β₁ moves against the lr: 0.95 -> 0.85 at the peak -> 0.95.
  EXPECT_NEAR(*s.at(0).beta1, 0.95, 1e-15);
  EXPECT_NEAR(*s.at(2).beta1, 0.85, 1e-15);
  EXPECT_NEAR(*s.at(9).beta1, 0.95, 1e-15);
  testing::expect_error([&] { s.at(10); }, {"step 10 is beyond its 10 steps"});
}

TEST(OneCycleSchedule, LinearAnnealAndNoMomentumCycling) {
  const auto s = from_yaml("{type: onecycle, max_lr: 2.0, div_factor: 4, final_div_factor: 5, pct_start: 0.5, "
                           "anneal: linear, cycle_momentum: false}", 1.0, 5, 5);
  // phase 1 ends at step 1.5: step 1 is 2/3 of the way from 0.5 to 2.
  EXPECT_NEAR(s->at(1).lr, 0.5 + (2.0 - 0.5) / 1.5, 1e-12);
  EXPECT_NEAR(s->at(4).lr, 0.1, 1e-12);
  EXPECT_FALSE(s->at(1).beta1.has_value());
}

TEST(StepSchedule, HalvesEveryStepSizeEpochs) {
  const auto s = from_yaml("{type: step, step_size: 2, gamma: 0.5}", 1e-3, 100, 10);
  EXPECT_DOUBLE_EQ(s->at(19).lr, 1e-3);   // epoch 1
  EXPECT_DOUBLE_EQ(s->at(20).lr, 5e-4);   // epoch 2
  EXPECT_DOUBLE_EQ(s->at(45).lr, 2.5e-4); // epoch 4
}

TEST(CosineSchedule, GoesFromLrToMinLr) {
  const auto s = from_yaml("{type: cosine, min_lr: 0.1}", 1.0, 11, 1);
  EXPECT_DOUBLE_EQ(s->at(0).lr, 1.0);
  EXPECT_NEAR(s->at(5).lr, 0.55, 1e-12);
  EXPECT_NEAR(s->at(10).lr, 0.1, 1e-12);
}

TEST(LrSchedule, BadConfigsAreRejectedNamingTheKey) {
  testing::expect_error([] { from_yaml("{type: exponential}", 1, 10, 1); }, {"type", "unknown schedule 'exponential'", "onecycle"});
  testing::expect_error([] { from_yaml("{type: onecycle, pct: 0.3}", 1, 10, 1); }, {"unknown key 'pct'", "pct_start"});
  testing::expect_error([] { from_yaml("{type: onecycle, pct_start: 1.5}", 1, 10, 1); }, {"pct_start", "(0, 1)", "1.5"});
  testing::expect_error([] { from_yaml("{type: onecycle}", 1, 1, 1); }, {"at least 2 optimiser steps"});
  testing::expect_error([] { from_yaml("{type: onecycle, anneal: cubic}", 1, 10, 1); }, {"anneal", "cos or linear", "cubic"});
  testing::expect_error([] { from_yaml("{type: step, step_size: 0}", 1, 10, 1); }, {"step_size", ">= 1"});
}

}  // namespace
}  // namespace mno::train
