// Training losses against values worked out by hand, and the errors loss_by_name gives.
#include <cmath>

#include <gtest/gtest.h>

#include "mno/train/losses.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

TEST(LossMse, MeanOfSquaredDifferencesOverEveryElement) {
  const auto p = torch::tensor({{1.0, 2.0}, {3.0, 5.0}}, torch::kDouble);
  const auto y = torch::tensor({{0.0, 0.0}, {3.0, 1.0}}, torch::kDouble);
  EXPECT_DOUBLE_EQ(train::mean_squared_error(p, y).item<double>(), (1.0 + 4.0 + 0.0 + 16.0) / 4);
  EXPECT_DOUBLE_EQ(train::loss_by_name("mse", p, y).item<double>(), 21.0 / 4);
}

TEST(LossRelativeL2, MeanOverSamplesOfErrorNormOverTargetNorm) {
  // Sample 0: ‖(1, 2) − (3, 4)‖ / ‖(3, 4)‖ = √8 / 5; sample 1: ‖(0, 0, 6) − (0, 0, 3)‖ / 3 = 1.
  const auto p = torch::tensor({{{1.0, 2.0, 0.0}}, {{0.0, 0.0, 6.0}}}, torch::kDouble);
  const auto y = torch::tensor({{{3.0, 4.0, 0.0}}, {{0.0, 0.0, 3.0}}}, torch::kDouble);
  const double want = (std::sqrt(8.0) / 5.0 + 1.0) / 2;
  EXPECT_NEAR(train::relative_l2_error(p, y).item<double>(), want, 1e-15);
  EXPECT_NEAR(train::loss_by_name("rel_l2", p, y).item<double>(), want, 1e-15);
}

TEST(LossErrors, PredictionAndTargetOfDifferentShapes) {
  expect_error([] { train::loss_by_name("mse", torch::zeros({2, 3}), torch::zeros({2, 4})); },
               {"loss: prediction 2x3 and target 2x4 differ in shape"});
}

TEST(LossErrors, UnknownLossName) {
  expect_error([] { train::loss_by_name("l1", torch::zeros({2, 3}), torch::zeros({2, 3})); },
               {"train.loss", "mse or rel_l2", "'l1'"});
}

}  // namespace
}  // namespace mno::testing
