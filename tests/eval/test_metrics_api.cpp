// Metric inputs that are rejected, and the names/JSON the reports use.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/metric_test_fields.h"
#include "mno/eval/metrics.h"
#include "support/testing.h"

namespace mno::eval {
namespace {

using mno::testing::expect_error;

torch::Tensor ones(std::vector<int64_t> shape) { return torch::ones(shape, torch::kFloat); }

void add_one(const torch::Tensor& p, const torch::Tensor& y, MetricOptions options = {}) {
  MetricAccumulator acc(MetricMode::standard, options);
  acc.add(p, y);
}

TEST(MetricRejects, WrongRank) {
  expect_error([] { add_one(ones({2, 3, 4, 5}), ones({2, 3, 4, 5})); },
               {"prediction: expected a tensor [B, H, W, T, C] (rank 5), found rank 4 [2, 3, 4, 5]"});
  expect_error([] { add_one(ones({1, 2, 2, 1, 1}), ones({1, 2, 2, 1})); },
               {"truth: expected a tensor [B, H, W, T, C] (rank 5), found rank 4 [1, 2, 2, 1]"});
}

TEST(MetricRejects, ShapeMismatch) {
  expect_error([] { add_one(ones({1, 2, 2, 1, 1}), ones({1, 2, 2, 1, 2})); },
               {"truth: expected the shape of prediction [1, 2, 2, 1, 1], found [1, 2, 2, 1, 2]"});
}

TEST(MetricRejects, NonFiniteValues) {
  auto bad = ones({1, 2, 2, 1, 1});
  bad[0][1][1][0][0] = NAN;
  expect_error([&] { add_one(bad, ones({1, 2, 2, 1, 1})); }, {"prediction: expected finite values, found 1 NaN or infinite"});
  bad[0][0][0][0][0] = INFINITY;
  expect_error([&] { add_one(ones({1, 2, 2, 1, 1}), bad); }, {"truth: expected finite values, found 2 NaN or infinite"});
}

TEST(MetricRejects, IntegerAndEmptyTensors) {
  const auto ints = torch::ones({1, 2, 2, 1, 1}, torch::kLong);
  expect_error([&] { add_one(ints, ints); }, {"prediction: expected a floating-point tensor, found dtype Long"});
  expect_error([] { add_one(ones({0, 2, 2, 1, 1}), ones({0, 2, 2, 1, 1})); },
               {"prediction: expected no empty dimension, found [0, 2, 2, 1, 1]"});
}

TEST(MetricRejects, LaterBatchWithAnotherGrid) {
  MetricAccumulator acc(MetricMode::paper, {});
  acc.add(ones({2, 2, 2, 1, 1}), ones({2, 2, 2, 1, 1}));
  expect_error([&] { acc.add(ones({1, 4, 4, 1, 1}), ones({1, 4, 4, 1, 1})); },
               {"prediction: expected [*, 2, 2, 1, 1] (the H, W, T, C of earlier batches), found [1, 4, 4, 1, 1]"});
  EXPECT_EQ(acc.samples(), 2u);  // the rejected batch is not counted
}

TEST(MetricRejects, GivenFramesCoverEveryFrame) {
  MetricOptions options;
  options.given_frames = 3;
  expect_error([&] { add_one(ones({1, 2, 2, 3, 1}), ones({1, 2, 2, 3, 1}), options); },
               {"metric options: given_frames: expected fewer than the T = 3 frames, found 3"});
}

TEST(MetricRejects, BoundaryWiderThanHalfTheGrid) {
  MetricOptions options;
  options.boundary_width = 2;
  expect_error([&] { add_one(ones({1, 2, 4, 1, 1}), ones({1, 2, 4, 1, 1}), options); },
               {"metric options: boundary_width: expected at most half the 2x4 grid (1), found 2"});
}

TEST(MetricRejects, BadOptions) {
  MetricOptions zero_width;
  zero_width.boundary_width = 0;
  expect_error([&] { MetricAccumulator acc(MetricMode::standard, zero_width); },
               {"metric options: boundary_width: expected at least 1, found 0"});
  MetricOptions bands;
  bands.fourier_low = 5;
  bands.fourier_high = 4;
  expect_error([&] { MetricAccumulator acc(MetricMode::standard, bands); },
               {"metric options: fourier_low: expected at most fourier_high = 4, found 5"});
  MetricOptions domain;
  domain.domain_y = 0;
  expect_error([&] { MetricAccumulator acc(MetricMode::standard, domain); },
               {"metric options: domain_x, domain_y: expected positive lengths, found 1, 0"});
}

TEST(MetricRejects, ResultBeforeAnyBatch) {
  MetricAccumulator acc(MetricMode::standard, {});
  expect_error([&] { acc.result(); }, {"metrics: result asked for before any batch was added"});
  expect_error([&] { acc.along_time(); }, {"metrics: along_time asked for before any batch was added"});
}

TEST(MetricRejects, UnknownModeName) {
  expect_error([] { parse_metric_mode("exact"); }, {"metric mode: expected standard or paper, found 'exact'"});
  EXPECT_EQ(parse_metric_mode(to_string(MetricMode::paper)), MetricMode::paper);
  EXPECT_EQ(parse_metric_mode(to_string(MetricMode::standard)), MetricMode::standard);
}

TEST(MetricNames, StableOrderAndNullForNaNInJson) {
  Metrics m;
  m.rmse = 0.5;
  m.max_error = 2;
  const auto named = named_values(m);
  const std::vector<std::string> expected = {"rmse",      "nrmse",     "rl2",        "crmse",    "brmse",
                                             "frmse_low", "frmse_mid", "frmse_high", "max_error"};
  ASSERT_EQ(named.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(named[k].first, expected[k]);
  const auto json = to_json(m);
  EXPECT_EQ(json.dump(), R"({"brmse":null,"crmse":null,"frmse_high":null,"frmse_low":null,"frmse_mid":null,)"
                         R"("max_error":2.0,"nrmse":null,"rl2":null,"rmse":0.5})");
}

TEST(MetricNames, FloatInputsGiveTheDoubleResults) {
  MetricAccumulator acc(MetricMode::standard, {});
  acc.add(testing::two_sample_prediction().to(torch::kFloat), testing::two_sample_truth().to(torch::kFloat));
  EXPECT_DOUBLE_EQ(acc.result().rmse, 1.5);
}

}  // namespace
}  // namespace mno::eval
