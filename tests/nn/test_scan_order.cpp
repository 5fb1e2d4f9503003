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
#include "mno/nn/s6/selective_scan_2d.h"
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

// MambaGNOT, tiny, in double, with the given mixer order (and mixer: mamba4 for 4 directions).
models::NeuralOperator tiny_gnot(const std::string& order, const std::string& mixer = "mamba") {
  torch::manual_seed(7);
  const auto config = Config::parse(
      "model: {name: gnot, width: 16, layers: 1, mixer: {type: " + mixer + ", d_state: 4, order: " + order + "}}", "gnot.yaml");
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
  for (const std::string mixer : {"mamba", "mamba4"})
    for (const std::string order : {"hilbert", "morton", "raster"}) {
      const auto model = tiny_gnot(order, mixer);
      torch::NoGradGuard no_grad;
      const auto out = model->forward(features, pos, scattered);
      const auto shuffled = model->forward(features.index_select(1, shuffle), pos.index_select(1, shuffle), scattered);
      EXPECT_LT(relative_error(shuffled, out.index_select(1, shuffle)), 1e-12) << mixer << " " << order;
    }
  // The contrast: scanned in the file's order, the same model's output depends on that order.
  const auto model = tiny_gnot("index");
  torch::NoGradGuard no_grad;
  const auto out = model->forward(features, pos, scattered);
  const auto shuffled = model->forward(features.index_select(1, shuffle), pos.index_select(1, shuffle), scattered);
  EXPECT_GT(relative_error(shuffled, out.index_select(1, shuffle)), 1e-3);
}

// K = 4 with a curve order scans the curve and its transpose. With raster on the points of an
// H × W grid (the first coordinate the row) those are the grid's rows and columns: the layer must
// equal its 4-direction scan in the file's order — the kernel's row/column walks — with the same
// parameters, in value and in every gradient. A swapped pair of directions, a transposition the
// wrong way round or a parameter of the wrong direction breaks it (H ≠ W so that rows and
// columns differ).
TEST(ScanOrder, FourDirectionsAlongRasterAndItsTransposeAreTheGridsRowsAndColumns) {
  const int64_t H = 5, W = 7, L = H * W;
  const auto make = [](const std::string& order, bool cross) {
    nn::S6MixerOptions o;
    o.d_model = 6;
    o.d_state = 4;
    o.directions = 4;
    o.order = nn::parse_scan_order(order, "test");
    torch::manual_seed(11);
    std::shared_ptr<nn::SelectiveScan2dBase> layer;
    if (cross) layer = std::make_shared<nn::CrossSelectiveScan2dImpl>(o);
    else layer = std::make_shared<nn::SelectiveScan2dImpl>(o);
    layer->to(torch::kDouble);
    return layer;
  };
  const auto rows = torch::arange(H, torch::kDouble).repeat_interleave(W), cols = torch::arange(W, torch::kDouble).repeat(H);
  const auto pos = torch::stack({(rows + 0.5) / H, (cols + 0.5) / W}, 1).unsqueeze(0).expand({2, L, 2}).contiguous();
  torch::manual_seed(3);
  const auto x = torch::randn({2, L, 6}, torch::kDouble), context = torch::randn({2, L, 6}, torch::kDouble);
  for (const bool cross : {false, true}) {
    const auto grid_layer = make("index", cross), curve_layer = make("raster", cross);
    const auto run = [&](const std::shared_ptr<nn::SelectiveScan2dBase>& layer) {
      const auto xi = x.clone().requires_grad_(true);
      const auto out = layer->forward(xi, cross ? context : torch::Tensor(), pos, nn::TokenGrid{H, W, false});
      (out * torch::cos(out)).sum().backward();
      std::vector<torch::Tensor> grads{out.detach(), xi.grad()};
      for (const auto& p : layer->parameters()) grads.push_back(p.grad().clone());
      return grads;
    };
    const auto a = run(grid_layer), b = run(curve_layer);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_LT(relative_error(b[i], a[i]), 1e-12) << (cross ? "cross " : "self ") << i;
  }
  EXPECT_EQ(make("hilbert", false)->describe(),
            "SelectiveScan2d(d_model 6, d_inner 12, d_state 4, dt_rank 1, directions 4, order hilbert and its transpose)");
}

// The second curve is the first over the positions with their coordinates swapped, sorted once
// per positions tensor like the first and never confused with it.
TEST(ScanOrder, TheTransposedCurveIsTheCurveOfTheSwappedCoordinates) {
  torch::manual_seed(8);
  const auto pos = torch::rand({2, 50, 2});
  for (const ScanOrder o : {ScanOrder::hilbert, ScanOrder::morton, ScanOrder::raster}) {
    const auto straight = nn::token_order(pos, o, "test").permutation();
    const auto transposed = nn::token_order(pos, o, "test", true).permutation();
    EXPECT_TRUE(torch::equal(transposed, nn::scan_permutation(pos.flip(-1), o))) << nn::scan_order_name(o);
    EXPECT_FALSE(torch::equal(transposed, straight)) << nn::scan_order_name(o);
    EXPECT_TRUE(nn::token_order(pos, o, "test", true).permutation().is_same(transposed));
    EXPECT_TRUE(nn::token_order(pos, o, "test").permutation().is_same(straight));
  }
}

TEST(ScanOrder, LayersThatCannotTakeScatteredPointsSaySo) {
  // K = 4 in the file's order walks a grid's rows and columns: scattered points have none.
  const auto k4 = tiny_gnot("index", "mamba4");
  expect_error([&] { k4->forward(torch::zeros({1, 16, 1}, torch::kDouble), torch::rand({1, 16, 2}, torch::kDouble),
                                 models::TokenGrid{16, 1, true}); },
               {"4 directions and order index", "model.mixer.order: hilbert", "needs a regular grid", "16 are scattered points"});
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
