// The oracle itself: its gradients against finite differences, and what "directions" means.
#include <gtest/gtest.h>

#include "mno/ops/selective_scan/selective_scan.h"
#include "ops/scan_inputs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

double loss(const ScanInputs& in, const torch::Tensor& weights) {
  return (ops::selective_scan_reference(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, in.z, in.options).y * weights)
      .sum()
      .item<double>();
}

// d/dε loss(x + ε·v) by central differences equals <grad, v> from autograd, for every input.
TEST(ScanReference, GradientsMatchFiniteDifferences) {
  ScanCase c;
  c.batch = 2; c.E = 2; c.L = 6; c.N = 3; c.K = 2; c.G = 2; c.z = true;
  const ScanInputs in = make_scan_inputs(c, torch::kDouble, 11);
  torch::manual_seed(12);
  const auto weights = torch::randn({c.batch, c.E, c.L}, torch::kDouble);

  std::vector<torch::Tensor> leaves;
  for (const auto& t : in.tensors()) leaves.push_back(t.detach().clone().requires_grad_(true));
  (ops::selective_scan_reference(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7],
                                 in.options).y * weights).sum().backward();

  const double eps = 1e-6;
  const char* names[] = {"u", "delta", "A", "B", "C", "D", "delta_bias", "z"};
  for (size_t i = 0; i < leaves.size(); ++i) {
    const auto v = torch::randn_like(leaves[i]);
    ScanInputs plus = in, minus = in;
    std::vector<torch::Tensor*> fields_plus = {&plus.u, &plus.delta, &plus.A, &plus.B, &plus.C, &plus.D, &plus.bias, &plus.z};
    std::vector<torch::Tensor*> fields_minus = {&minus.u, &minus.delta, &minus.A, &minus.B, &minus.C, &minus.D, &minus.bias, &minus.z};
    *fields_plus[i] = *fields_plus[i] + eps * v;
    *fields_minus[i] = *fields_minus[i] - eps * v;
    const double numeric = (loss(plus, weights) - loss(minus, weights)) / (2 * eps);
    const double analytic = (leaves[i].grad() * v).sum().item<double>();
    EXPECT_NEAR(numeric, analytic, 1e-6 * std::max(1.0, std::abs(analytic))) << "gradient of " << names[i];
  }
}

// One direction of the fast op on explicitly permuted inputs: a plain forward scan.
torch::Tensor forward_scan_of(const ScanInputs& in, int64_t k, const torch::Tensor& walk) {
  const int64_t E = in.u.size(1);
  ops::ScanOptions one;
  one.delta_softplus = in.options.delta_softplus;
  const auto perm = [&](const torch::Tensor& t) { return t.index_select(t.dim() - 1, walk); };
  const auto ch = [&](const torch::Tensor& t) { return t.narrow(t.dim() == 3 ? 1 : 0, k * E, E); };
  const int64_t G = in.B.size(1), per_group = in.B.size(1) == 1 ? E * in.options.directions : E * in.options.directions / G;
  const auto group = in.B.narrow(1, (k * E) / per_group, 1);
  const auto groupC = in.C.narrow(1, (k * E) / per_group, 1);
  const auto y = ops::selective_scan(perm(in.u), perm(ch(in.delta)), ch(in.A), perm(group), perm(groupC), ch(in.D),
                                     ch(in.bias), {}, one).y;
  return y.index_select(2, torch::argsort(walk));  // back to position order
}

TEST(ScanDirections, TwoDirectionsEqualForwardPlusFlippedScan) {
  ScanCase c;
  c.K = 2; c.G = 2; c.L = 23;
  const ScanInputs in = make_scan_inputs(c, torch::kDouble, 13);
  const auto fwd = torch::arange(c.L, torch::kLong);
  const auto expected = forward_scan_of(in, 0, fwd) + forward_scan_of(in, 1, fwd.flip({0}));
  const auto y = ops::selective_scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, {}, in.options).y;
  EXPECT_LT(relative_error(y, expected), 1e-12);
}

TEST(ScanDirections, FourDirectionsEqualFourExplicitScansOnNonSquareGrid) {
  ScanCase c;
  c.K = 4; c.G = 4; c.H = 3; c.W = 7; c.L = 21;
  const ScanInputs in = make_scan_inputs(c, torch::kDouble, 14);
  const auto rows = torch::arange(c.L, torch::kLong);
  const auto cols = rows.view({c.H, c.W}).t().reshape({-1});  // column-major raster of the row-major grid
  const auto expected = forward_scan_of(in, 0, rows) + forward_scan_of(in, 1, cols) +
                        forward_scan_of(in, 2, rows.flip({0})) + forward_scan_of(in, 3, cols.flip({0}));
  const auto y = ops::selective_scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, {}, in.options).y;
  EXPECT_LT(relative_error(y, expected), 1e-12);
}

TEST(ScanDirections, LastStateIsTheStateAtTheEndOfEachWalk) {
  ScanCase c;
  c.K = 2; c.G = 2; c.L = 9;
  ScanInputs in = make_scan_inputs(c, torch::kDouble, 15);
  in.options.return_last_state = true;
  const auto r = ops::selective_scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, {}, in.options);
  ASSERT_EQ(r.last_state.sizes(), (std::vector<int64_t>{c.batch, c.K * c.E, c.N}));
  // Run one step further with C = e_n one-hot: y at the final step equals h[n] (D = 0).
  ScanInputs probe = in;
  probe.D = torch::zeros_like(in.D);
  probe.options.directions = 1;
  const int64_t n = 1;
  probe.C = torch::zeros({c.batch, 1, c.N, c.L}, torch::kDouble);
  probe.C.select(2, n).fill_(1.0);
  probe.B = in.B.narrow(1, 0, 1);
  const auto y = ops::selective_scan(probe.u, probe.delta.narrow(1, 0, c.E), probe.A.narrow(0, 0, c.E), probe.B, probe.C,
                                     probe.D.narrow(0, 0, c.E), probe.bias.narrow(0, 0, c.E), {}, probe.options).y;
  EXPECT_LT(relative_error(y.select(2, c.L - 1), r.last_state.narrow(1, 0, c.E).select(2, n)), 1e-12);
}

}  // namespace
}  // namespace mno::testing
