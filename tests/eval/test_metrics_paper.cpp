// Paper mode: the authors' per-batch metrics with their quirks (docs/metrics.md, "Paper mode").
#include <cmath>

#include <gtest/gtest.h>

#include "eval/metric_test_fields.h"
#include "mno/eval/metrics.h"

namespace mno::eval {
namespace {

using testing::field;

// Steady data takes metric_func's 3-D branch: "RMSE" is the mean |d| and "nRMSE" the mean
// point-wise relative error. Same fields as MetricStandard.HandComputedTwoSamples.
TEST(MetricPaper, SteadyDataTakesTheThreeDimensionalBranch) {
  MetricAccumulator acc(MetricMode::paper, {});
  acc.add(testing::two_sample_prediction(), testing::two_sample_truth());
  const auto m = acc.result();
  EXPECT_NEAR(m.rmse, (2.0 + 4.0) / 8, 1e-12);             // mean |d| over 8 entries (standard: 1.5)
  EXPECT_NEAR(m.nrmse, (2.0 / 2 + 4.0 / 2) / 8, 1e-9);     // mean |d|/(|Y| + 1e-9), |Y| = 2
  EXPECT_DOUBLE_EQ(m.rl2, (2.0 / 4 + 4.0 / 4) / 2);        // mean_b ‖d_b‖/‖Y_b‖
  // CSV per grid point: √(mean_b d²), no division: √2 at (0,0), √8 at (1,1), 0 twice → mean.
  EXPECT_DOUBLE_EQ(m.crmse, (std::sqrt(2.0) + std::sqrt(8.0)) / 4);
  EXPECT_DOUBLE_EQ(m.max_error, (2.0 + 4.0) / 4);          // mean over points of max_b |d|
  EXPECT_TRUE(std::isnan(m.brmse));
  EXPECT_TRUE(std::isnan(m.frmse_low) && std::isnan(m.frmse_mid) && std::isnan(m.frmse_high));
}

// Time-dependent data takes the 4-D branch over all frames: frame 0 (given, exact), frame 1 with
// d = 2 at one of 4 points; |Y| = 2 everywhere.
TEST(MetricPaper, TimeDependentDataTakesTheFourDimensionalBranchOverAllFrames) {
  const auto y = torch::full({1, 2, 2, 2, 1}, 2.0, torch::kDouble);
  auto p = y.clone();
  p[0][0][0][1][0] += 2;
  MetricOptions options;
  options.given_frames = 1;  // does not change paper mode
  MetricAccumulator acc(MetricMode::paper, options);
  acc.add(p, y);
  const auto m = acc.result();
  EXPECT_DOUBLE_EQ(m.rmse, (0.0 + 1.0) / 2);                    // √(4/4) on frame 1, 0 on frame 0
  EXPECT_NEAR(m.nrmse, (0.0 + 0.5) / 2, 1e-9);                  // 1/(2 + 1e-9) on frame 1
  EXPECT_DOUBLE_EQ(m.rl2, 2.0 / std::sqrt(32.0));               // over all 8 entries, given ones too
  EXPECT_DOUBLE_EQ(m.crmse, (0.0 + 2.0 / 4) / 2);               // |Σ_s d| / S per frame
  EXPECT_DOUBLE_EQ(m.max_error, (0.0 + 2.0) / 2);
  // Along time: the 3-D branch on each frame slice.
  const auto frames = acc.along_time();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_DOUBLE_EQ(frames[0].rmse, 0.0);
  EXPECT_DOUBLE_EQ(frames[1].rmse, 0.5);   // mean |d| = 2/4
  EXPECT_NEAR(frames[1].nrmse, 0.25, 1e-9);
  EXPECT_DOUBLE_EQ(frames[1].rl2, 0.5);    // 2/‖Y_t‖ = 2/4
  EXPECT_DOUBLE_EQ(frames[1].crmse, 0.5);  // mean over points of √(d²)
  EXPECT_DOUBLE_EQ(frames[1].max_error, 0.5);
}

// A short last batch weighs as much as a full one: per-sample mean |d| is 1, 1, 4.
TEST(MetricPaper, AveragesOverBatchesNotSamples) {
  const auto y = torch::ones({3, 2, 2, 1, 1}, torch::kDouble);
  const auto d = torch::tensor({1.0, 1.0, 4.0}, torch::kDouble).view({3, 1, 1, 1, 1}).expand({3, 2, 2, 1, 1});
  MetricAccumulator paper(MetricMode::paper, {});
  paper.add((y + d).narrow(0, 0, 2), y.narrow(0, 0, 2));
  paper.add((y + d).narrow(0, 2, 1), y.narrow(0, 2, 1));
  EXPECT_DOUBLE_EQ(paper.result().rmse, (1.0 + 4.0) / 2);
  MetricAccumulator standard(MetricMode::standard, {});
  standard.add((y + d).narrow(0, 0, 2), y.narrow(0, 0, 2));
  standard.add((y + d).narrow(0, 2, 1), y.narrow(0, 2, 1));
  EXPECT_DOUBLE_EQ(standard.result().rmse, (1.0 + 1.0 + 4.0) / 3);
}

// 10 given frames pasted from the truth, 91 predicted: paper RMSE/nRMSE = 91/101 × standard.
TEST(MetricPaper, GivenFramesScaleRmseByPredictedOverAllFrames) {
  torch::manual_seed(7);
  const auto y = torch::randn({3, 4, 4, 101, 2}, torch::kDouble);
  auto p = y + 0.1 * torch::randn_like(y);
  p.narrow(3, 0, 10).copy_(y.narrow(3, 0, 10));
  MetricOptions options;
  options.given_frames = 10;
  MetricAccumulator paper(MetricMode::paper, options), standard(MetricMode::standard, options);
  paper.add(p, y);
  standard.add(p, y);
  const auto a = paper.result(), b = standard.result();
  EXPECT_NEAR(a.rmse, 91.0 / 101 * b.rmse, 1e-12);
  EXPECT_NEAR(a.nrmse, 91.0 / 101 * b.nrmse, 1e-6 * b.nrmse);  // paper adds 1e-9 to the norm
  EXPECT_GT(b.rmse, 0.05);
}

TEST(MetricPaper, AlongTimeGivesMeanAndSpreadOverBatches) {
  // Batch 0 has |d| = 1 on frame 1, batch 1 has |d| = 3 (a batch of 2 and a batch of 1).
  const auto y = torch::ones({3, 2, 2, 2, 1}, torch::kDouble);
  auto p = y.clone();
  p.narrow(0, 0, 2).select(3, 1).add_(1);
  p.narrow(0, 2, 1).select(3, 1).add_(3);
  MetricAccumulator acc(MetricMode::paper, {});
  acc.add(p.narrow(0, 0, 2), y.narrow(0, 0, 2));
  acc.add(p.narrow(0, 2, 1), y.narrow(0, 2, 1));
  const auto mean = acc.along_time();
  const auto spread = acc.along_time_std();
  ASSERT_EQ(mean.size(), 2u);
  EXPECT_DOUBLE_EQ(mean[1].rmse, 2.0);
  EXPECT_DOUBLE_EQ(spread[1].rmse, 1.0);  // np.std of (1, 3), ddof 0
  EXPECT_DOUBLE_EQ(mean[0].rmse, 0.0);
  EXPECT_DOUBLE_EQ(spread[0].rmse, 0.0);
  EXPECT_TRUE(std::isnan(spread[1].brmse));
}

}  // namespace
}  // namespace mno::eval
