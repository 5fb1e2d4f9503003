// Standard (PDEBench) metrics: hand-computed values, batching invariance, given frames.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/metric_test_fields.h"
#include "mno/eval/metrics.h"

namespace mno::eval {
namespace {

using testing::field;

Metrics standard(const torch::Tensor& p, const torch::Tensor& y, MetricOptions options = {}) {
  MetricAccumulator acc(MetricMode::standard, options);
  acc.add(p, y);
  return acc.result();
}

TEST(MetricStandard, HandComputedTwoSamples) {
  const auto m = standard(testing::two_sample_prediction(), testing::two_sample_truth());
  // rmse_b = √(mean_s d²): √(4/4) = 1 and √(16/4) = 2 → mean 1.5.
  EXPECT_DOUBLE_EQ(m.rmse, 1.5);
  // nrmse_b = rmse_b / √(mean_s Y²) = 1/2, 2/2 → 0.75.
  EXPECT_DOUBLE_EQ(m.nrmse, 0.75);
  // rl2_b = ‖d_b‖/‖Y_b‖ = 2/4, 4/4 → 0.75.
  EXPECT_DOUBLE_EQ(m.rl2, 0.75);
  // Σ_s d = 2 and −4: √((4 + 16)/2) / (H·W = 4) = √10/4.
  EXPECT_DOUBLE_EQ(m.crmse, std::sqrt(10.0) / 4);
  // On a 2×2 grid every point is on the boundary and in two strips: sample 0: (4 + 4)/(2·(2+2)) = 1
  // → 1; sample 1: (16 + 16)/8 = 4 → 2; mean 1.5.
  EXPECT_DOUBLE_EQ(m.brmse, 1.5);
  // One Fourier shell (min(H/2, W/2) = 1) holding mode (0, 0) = Σ_s d: √((4 + 16)/2)/4 = √10/4.
  EXPECT_DOUBLE_EQ(m.frmse_low, std::sqrt(10.0) / 4);
  EXPECT_TRUE(std::isnan(m.frmse_mid));  // shells [4, 12) do not exist on a 2×2 grid
  EXPECT_TRUE(std::isnan(m.frmse_high));
  // max over samples and space of |d|.
  EXPECT_DOUBLE_EQ(m.max_error, 4.0);
}

TEST(MetricStandard, BoundaryCountsCornersTwiceAndIgnoresTheInterior) {
  const auto y = torch::ones({3, 4, 4, 1, 1}, torch::kDouble);
  auto p = y.clone();
  p[0][0][0][0][0] += 4;  // corner: in row strip 0 and column strip 0 → (16 + 16)/(2·(4+4)) = 2
  p[1][0][1][0][0] += 4;  // edge: row strip 0 only → 16/16 = 1
  p[2][1][2][0][0] += 4;  // interior: not counted → 0
  EXPECT_DOUBLE_EQ(standard(p, y).brmse, (std::sqrt(2.0) + 1.0 + 0.0) / 3);
}

TEST(MetricStandard, BoundaryWidthTwoTakesTwoLinesPerSide) {
  const auto y = torch::ones({1, 4, 4, 1, 1}, torch::kDouble);
  auto p = y.clone();
  p[0][1][1][0][0] += 4;  // second row and second column: in both width-2 strips → 32/(2·2·(4+4)) = 1
  MetricOptions options;
  options.boundary_width = 2;
  EXPECT_DOUBLE_EQ(standard(p, y, options).brmse, 1.0);
}

// d = cos(2π(2i + 3j)/8) on an 8×8 grid: FFT2 has |F| = 64/2 = 32 at modes (2, 3) and (−2, −3).
// PDEBench bins only the quadrant i, j < 4, so (2, 3) alone counts, in shell ⌊√13⌋ = 3 (rounding
// would give 4, outside the 4 shells): √(32²)/64 = 0.5 in shell 3, zero elsewhere.
TEST(MetricStandard, FourierBandsFollowPdebenchShells) {
  const auto i = torch::arange(8, torch::kDouble).view({8, 1});
  const auto j = torch::arange(8, torch::kDouble).view({1, 8});
  const auto d = torch::cos(2 * M_PI * (2 * i + 3 * j) / 8).view({1, 8, 8, 1, 1});
  const auto y = torch::ones_like(d);
  MetricOptions options;
  options.fourier_low = 1;   // low: shell 0
  options.fourier_high = 2;  // mid: shell 1; high: shells 2, 3
  options.domain_x = 2;
  options.domain_y = 3;      // fRMSE scales with Lx·Ly = 6
  const auto m = standard(y + d, y, options);
  EXPECT_NEAR(m.frmse_low, 0.0, 1e-12);
  EXPECT_NEAR(m.frmse_mid, 0.0, 1e-12);
  EXPECT_NEAR(m.frmse_high, 6 * (0.0 + 0.5) / 2, 1e-12);
}

TEST(MetricStandard, DoesNotDependOnBatching) {
  torch::manual_seed(3);
  const auto y = torch::randn({5, 8, 8, 4, 2}, torch::kDouble);
  const auto p = y + 0.3 * torch::randn_like(y);
  MetricOptions options;
  options.given_frames = 1;
  options.fourier_low = 1;
  options.fourier_high = 3;
  const auto collect = [&](std::vector<int64_t> sizes) {
    MetricAccumulator acc(MetricMode::standard, options);
    int64_t start = 0;
    for (const auto n : sizes) {
      acc.add(p.narrow(0, start, n), y.narrow(0, start, n));
      start += n;
    }
    EXPECT_EQ(acc.samples(), 5u);
    EXPECT_EQ(acc.batches(), sizes.size());
    auto values = named_values(acc.result());
    for (const auto& frame : acc.along_time()) for (const auto& v : named_values(frame)) values.push_back(v);
    for (const auto& frame : acc.along_time_std()) for (const auto& v : named_values(frame)) values.push_back(v);
    return values;
  };
  const auto whole = collect({5});
  for (const auto& split : {std::vector<int64_t>{2, 3}, std::vector<int64_t>{1, 1, 3}}) {
    const auto parts = collect(split);
    ASSERT_EQ(parts.size(), whole.size());
    for (size_t k = 0; k < whole.size(); ++k) {
      if (std::isnan(whole[k].second)) {
        EXPECT_TRUE(std::isnan(parts[k].second)) << whole[k].first;
      } else {
        EXPECT_NEAR(parts[k].second, whole[k].second, 1e-12 * (1 + std::abs(whole[k].second))) << whole[k].first;
      }
    }
  }
}

// Frame 0 is a given frame carrying a large error (not pasted): standard mode must ignore it.
TEST(MetricStandard, ExcludesGivenFrames) {
  const auto y = torch::ones({1, 2, 2, 3, 1}, torch::kDouble);
  auto d = torch::zeros_like(y);
  d.select(3, 0).fill_(100);
  d.select(3, 1).fill_(1);
  d.select(3, 2).fill_(3);
  MetricOptions options;
  options.given_frames = 1;
  const auto m = standard(y + d, y, options);
  EXPECT_DOUBLE_EQ(m.rmse, 2.0);       // (1 + 3)/2
  EXPECT_DOUBLE_EQ(m.max_error, 2.0);  // mean over frames of the max: (1 + 3)/2
  // ‖d‖ over frames 1-2: √(4·1 + 4·9) = √40; ‖Y‖ = √8 → √5.
  EXPECT_NEAR(m.rl2, std::sqrt(5.0), 1e-12);
}

TEST(MetricStandard, AlongTimeGivesEveryFrameWithSpreadOverSamples) {
  // Sample b has the constant error c_b on frame t: c = (1, 3) on frame 0, (2, 2) on frame 1.
  auto y = torch::ones({2, 2, 2, 2, 1}, torch::kDouble) * 2;
  auto d = torch::zeros_like(y);
  d[0].select(2, 0).fill_(1);
  d[1].select(2, 0).fill_(3);
  d.select(3, 1).fill_(2);
  MetricOptions options;
  options.given_frames = 1;
  MetricAccumulator acc(MetricMode::standard, options);
  acc.add(y + d, y);
  const auto mean = acc.along_time();
  const auto spread = acc.along_time_std();
  ASSERT_EQ(mean.size(), 2u);
  ASSERT_EQ(spread.size(), 2u);
  EXPECT_DOUBLE_EQ(mean[0].rmse, 2.0);    // given frames are reported too
  EXPECT_DOUBLE_EQ(spread[0].rmse, 1.0);  // population std of (1, 3)
  EXPECT_DOUBLE_EQ(mean[0].rl2, 1.0);     // (1/2 + 3/2)/2
  EXPECT_DOUBLE_EQ(spread[0].nrmse, 0.5); // std of (1/2, 3/2)
  EXPECT_DOUBLE_EQ(mean[0].max_error, 3.0);
  EXPECT_TRUE(std::isnan(spread[0].max_error));  // a set-level value has no spread over samples
  EXPECT_DOUBLE_EQ(mean[1].rmse, 2.0);
  EXPECT_DOUBLE_EQ(spread[1].rmse, 0.0);
  EXPECT_DOUBLE_EQ(acc.result().rmse, mean[1].rmse);  // only frame 1 is predicted
}

}  // namespace
}  // namespace mno::eval
