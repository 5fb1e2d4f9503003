// Scan orders along space-filling curves (nn/s6/scan_order.h, docs/irregular.md): the curves are
// bijections and local, the tensor keys equal the plain per-cell references, sorting and its
// inverse are the identity (with gradients), an S6 model on scattered points does not depend on
// the order of the points in the file, and every rejected input says what was wrong.
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_configs.h"
#include "mno/core/config.h"
#include "mno/models/neural_operator.h"
#include "mno/nn/s6/scan_order.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

using nn::ScanOrder;

// Cells of a 2^bits grid sorted by `key`.
template <typename Key> std::vector<std::pair<uint32_t, uint32_t>> cells_along(int bits, Key key) {
  const uint32_t n = 1u << bits;
  std::vector<std::pair<uint64_t, std::pair<uint32_t, uint32_t>>> keyed;
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < n; ++j) keyed.push_back({key(i, j, bits), {i, j}});
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& k : keyed) out.push_back(k.second);
  return out;
}

TEST(ScanOrder, HilbertVisitsEveryCellOnceAndEveryStepIsToANeighbour) {
  for (int bits : {1, 2, 4, 5}) {
    const uint32_t n = 1u << bits;
    std::set<uint64_t> keys;
    for (uint32_t i = 0; i < n; ++i)
      for (uint32_t j = 0; j < n; ++j) keys.insert(nn::hilbert_key(i, j, bits));
    ASSERT_EQ(keys.size(), size_t(n) * n) << "bits " << bits;
    EXPECT_EQ(*keys.rbegin(), uint64_t(n) * n - 1);
    const auto path = cells_along(bits, nn::hilbert_key);
    for (size_t t = 1; t < path.size(); ++t) {
      const int step = std::abs(int(path[t].first) - int(path[t - 1].first)) + std::abs(int(path[t].second) - int(path[t - 1].second));
      ASSERT_EQ(step, 1) << "bits " << bits << ", step " << t;
    }
  }
}

TEST(ScanOrder, MortonInterleavesTheBitsAndIsABijection) {
  EXPECT_EQ(nn::morton_key(0, 1, 4), 1u);
  EXPECT_EQ(nn::morton_key(1, 0, 4), 2u);
  EXPECT_EQ(nn::morton_key(1, 1, 4), 3u);
  EXPECT_EQ(nn::morton_key(2, 0, 4), 8u);
  std::set<uint64_t> keys;
  for (uint32_t i = 0; i < 16; ++i)
    for (uint32_t j = 0; j < 16; ++j) keys.insert(nn::morton_key(i, j, 4));
  EXPECT_EQ(keys.size(), 256u);
  EXPECT_EQ(*keys.rbegin(), 255u);
}

// The keys of the points are the per-cell keys of the cells the points fall in (cells computed
// here, independently, with tensor ops).
TEST(ScanOrder, KeysAreThoseOfTheCellsThePointsFallIn) {
  torch::manual_seed(3);
  const auto pos = torch::rand({2, 500, 2}, torch::kDouble);
  for (int bits : {3, 8, 16}) {
    const double n = double(1 << bits);
    const auto cells = (pos * n).floor().clamp(0, n - 1).to(torch::kLong);
    const auto ci = cells.accessor<int64_t, 3>();
    for (auto [order, reference] : {std::pair{ScanOrder::hilbert, &nn::hilbert_key},
                                    std::pair{ScanOrder::morton, &nn::morton_key},
                                    std::pair{ScanOrder::raster, &nn::raster_key}}) {
      const auto keys = nn::scan_order_keys(pos, order, bits);
      const auto k = keys.accessor<int64_t, 2>();
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t l = 0; l < 500; ++l)
          ASSERT_EQ(uint64_t(k[b][l]), reference(uint32_t(ci[b][l][0]), uint32_t(ci[b][l][1]), bits))
              << nn::scan_order_name(order) << ", bits " << bits << ", point " << l;
    }
  }
}

// Mean distance between consecutive points of the scan.
double mean_step(const torch::Tensor& pos, ScanOrder order) {
  const auto perm = nn::scan_permutation(pos, order);
  const auto sorted = order == ScanOrder::index ? pos : pos.index_select(1, perm[0]);
  return (sorted.narrow(1, 1, pos.size(1) - 1) - sorted.narrow(1, 0, pos.size(1) - 1)).norm(2, -1).mean().item<double>();
}

TEST(ScanOrder, CurvesKeepNeighboursNear) {
  torch::manual_seed(0);
  const auto pos = torch::rand({1, 2048, 2}, torch::kDouble);
  const double index = mean_step(pos, ScanOrder::index), raster = mean_step(pos, ScanOrder::raster);
  const double hilbert = mean_step(pos, ScanOrder::hilbert), morton = mean_step(pos, ScanOrder::morton);
  std::printf("mean step over 2048 uniform points: index %.4f, raster %.4f, morton %.4f, hilbert %.4f\n", index, raster,
              morton, hilbert);
  // Points 1/√2048 ≈ 0.022 apart on average: a local curve steps about that far.
  EXPECT_LT(hilbert, 0.04);
  EXPECT_LT(hilbert, morton);
  EXPECT_LT(morton, 0.1 * index);
  EXPECT_LT(hilbert, 0.2 * raster);  // raster runs whole rows: each step crosses the square
}

TEST(ScanOrder, RasterOnAGridIsTheFileOrder) {
  const int64_t H = 8, W = 6;
  const auto x = (torch::arange(H, torch::kDouble) + 0.5) / H, y = (torch::arange(W, torch::kDouble) + 0.5) / W;
  const auto mesh = torch::meshgrid({x, y}, "ij");
  const auto pos = torch::stack({mesh[0], mesh[1]}, -1).reshape({1, H * W, 2});
  EXPECT_TRUE(torch::equal(nn::scan_permutation(pos, ScanOrder::raster)[0], torch::arange(H * W, torch::kLong)));
  EXPECT_FALSE(nn::scan_permutation(pos, ScanOrder::index).defined());  // nothing to sort
}

TEST(ScanOrder, SortAndInverseAreTheIdentityWithGradients) {
  torch::manual_seed(1);
  const auto pos = torch::rand({3, 40, 2}, torch::kDouble);
  const nn::TokenOrder order(nn::scan_permutation(pos, ScanOrder::hilbert));
  const auto x = torch::randn({3, 40, 5}, torch::kDouble).requires_grad_(true);
  EXPECT_TRUE(torch::equal(order.undo(order.apply(x)), x));
  EXPECT_FALSE(torch::equal(order.apply(x), x));
  // y[b, t] = x[b, perm[b, t]]: the gradient of Σ w·y with respect to x is w put back in place.
  const auto w = torch::randn({3, 40, 5}, torch::kDouble);
  (order.apply(x) * w).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), order.undo(w)));
}

TEST(ScanOrder, OneSortPerPositionsTensorAndNeverAStaleOne) {
  torch::manual_seed(5);
  auto pos = torch::rand({2, 64, 2});
  const auto sorted = [](const torch::Tensor& p, ScanOrder o) { return nn::token_order(p, o, "test").permutation(); };
  const auto first = sorted(pos, ScanOrder::hilbert);
  EXPECT_TRUE(torch::equal(first, nn::scan_permutation(pos, ScanOrder::hilbert)));
  // A second layer handed the same tensor gets the same permutation, not a second sort.
  EXPECT_TRUE(sorted(pos, ScanOrder::hilbert).is_same(first));
  // Another order of the same positions is its own.
  EXPECT_TRUE(torch::equal(sorted(pos, ScanOrder::morton), nn::scan_permutation(pos, ScanOrder::morton)));
  // Positions changed in place are sorted again.
  pos.copy_(torch::rand({2, 64, 2}));
  EXPECT_TRUE(torch::equal(sorted(pos, ScanOrder::hilbert), nn::scan_permutation(pos, ScanOrder::hilbert)));
  // Each new batch lands in the freed memory of the last (the allocator reuses it): never mistaken for it.
  for (int i = 0; i < 4; ++i) {
    const auto batch = torch::rand({2, 64, 2});
    EXPECT_TRUE(torch::equal(sorted(batch, ScanOrder::hilbert), nn::scan_permutation(batch, ScanOrder::hilbert))) << i;
  }
}

TEST(ScanOrder, RejectedInputsSayWhatWasWrong) {
  expect_error([] { nn::scan_permutation(torch::full({1, 4, 2}, NAN), ScanOrder::hilbert); }, {"NaN or infinite"});
  expect_error([] { nn::scan_permutation(torch::full({1, 4, 2}, 1.5), ScanOrder::morton); },
               {"unit box", "values in [1.5, 1.5]"});
  expect_error([] { nn::scan_permutation(torch::zeros({1, 0, 2}), ScanOrder::hilbert); }, {"at least one point"});
  expect_error([] { nn::scan_permutation(torch::zeros({1, 4, 3}), ScanOrder::hilbert); }, {"[batch, L, 2]", "[1, 4, 3]"});
  const nn::TokenOrder six(nn::scan_permutation(torch::rand({1, 6, 2}), ScanOrder::hilbert));
  expect_error([&] { six.apply(torch::zeros({1, 5, 3})); }, {"[batch, 6, D]", "[1, 5, 3]"});
  expect_error([] { nn::parse_scan_order("peano", "model.mixer.order"); }, {"model.mixer.order", "hilbert", "'peano'"});
}

// MambaGNOT, tiny, in double, with the given mixer order.
models::NeuralOperator tiny_gnot(const std::string& order) {
  torch::manual_seed(7);
  const auto config = Config::parse(
      "model: {name: gnot, width: 16, layers: 1, mixer: {type: mamba, d_state: 4, order: " + order + "}}", "gnot.yaml");
  auto model = models::make_model(config.root().child("model"));
  model->to(torch::kDouble);
  model->eval();
  return model;
}

TEST(ScanOrder, AModelOnScatteredPointsIgnoresTheirOrderInTheFile) {
  torch::manual_seed(2);
  const int64_t N = 200;
  const auto features = torch::randn({2, N, 1}, torch::kDouble), pos = torch::rand({2, N, 2}, torch::kDouble);
  const auto shuffle = torch::randperm(N, torch::kLong);
  const models::TokenGrid scattered{N, 1, true};
  for (const std::string order : {"hilbert", "morton", "raster"}) {
    const auto model = tiny_gnot(order);
    torch::NoGradGuard no_grad;
    const auto out = model->forward(features, pos, scattered);
    const auto shuffled = model->forward(features.index_select(1, shuffle), pos.index_select(1, shuffle), scattered);
    EXPECT_LT(relative_error(shuffled, out.index_select(1, shuffle)), 1e-12) << order;
  }
  // The contrast: scanned in the file's order, the same model's output depends on that order.
  const auto model = tiny_gnot("index");
  torch::NoGradGuard no_grad;
  const auto out = model->forward(features, pos, scattered);
  const auto shuffled = model->forward(features.index_select(1, shuffle), pos.index_select(1, shuffle), scattered);
  EXPECT_GT(relative_error(shuffled, out.index_select(1, shuffle)), 1e-3);
}

TEST(ScanOrder, LayersThatCannotTakeScatteredPointsSaySo) {
  const auto config = Config::parse("model: {name: gnot, mixer: {type: mamba4, order: hilbert}}", "k4.yaml");
  expect_error([&] { models::make_model(config.root().child("model")); },
               {"model.mixer.order", "index for a 4-direction scan", "'hilbert'"});
  const auto gt = build_model("darcy/gt_mamba.yaml", {"model.width=16", "model.layers=1"});
  expect_error([&] { gt->forward(torch::zeros({1, 16, 1}), torch::rand({1, 16, 2}), models::TokenGrid{16, 1, true}); },
               {"gt (spectral regressor; model.regressor: pointwise takes scattered points)", "needs a regular grid", "scattered points"});
  const auto gnot = tiny_gnot("hilbert");
  expect_error([&] { gnot->forward(torch::zeros({1, 16, 1}, torch::kDouble), torch::full({1, 16, 2}, 2.0, torch::kDouble),
                                   models::TokenGrid{16, 1, true}); },
               {"unit box"});
}

}  // namespace
}  // namespace mno::testing
