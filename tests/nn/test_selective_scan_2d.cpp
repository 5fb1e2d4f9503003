// The S6 layers: parameter counts, initialisation, equality with the authors' composition
// (flip, stack, einsum, scan, merge, LayerNorm, gate, out_proj — docs/layers.md).
#include <gtest/gtest.h>

#include "mno/nn/s6/mamba_block.h"
#include "mno/nn/parameter_counts.h"
#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/parity/ss2d_authors.h"
#include "mno/ops/selective_scan/selective_scan.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

using nn::CrossSelectiveScan2dImpl;
using nn::S6MixerOptions;
using nn::SelectiveScan2dImpl;

S6MixerOptions s6(int64_t d_model, int64_t K = 2, int64_t d_state = 16) {
  S6MixerOptions o;
  o.d_model = d_model;
  o.directions = K;
  o.d_state = d_state;
  return o;
}

TEST(SelectiveScan2d, ParameterCountsEqualTheAuthors) {
  const std::vector<std::array<int64_t, 3>> expected = {
      {64, 39680, 48896}, {96, 79488, 94080}, {128, 132608, 153088}, {256, 478208, 527360}};
  for (const auto& [d, self, cross] : expected) {
    EXPECT_EQ(nn::count_parameters(SelectiveScan2dImpl(s6(d))).trainable, self) << "SS2D d_model " << d;
    EXPECT_EQ(nn::count_parameters(CrossSelectiveScan2dImpl(s6(d))).trainable, cross) << "Cross SS2D d_model " << d;
  }
}

TEST(SelectiveScan2d, InitialisationFollowsTheAuthors) {
  torch::manual_seed(0);
  SelectiveScan2dImpl m(s6(96));
  const int64_t E = 192, R = 6, N = 16;
  EXPECT_EQ(m.x_proj_weight.sizes(), (std::vector<int64_t>{2, R + 2 * N, E}));
  EXPECT_LE(m.x_proj_weight.abs().max().item<double>(), 1.0 / std::sqrt(double(E)));
  EXPECT_LE(m.dt_projs_weight.abs().max().item<double>(), 1.0 / std::sqrt(double(R)));
  const auto dt = torch::softplus(m.dt_projs_bias);
  EXPECT_GE(dt.min().item<double>(), 1e-3 * (1 - 1e-5));
  EXPECT_LE(dt.max().item<double>(), 0.1 * (1 + 1e-5));
  EXPECT_TRUE(torch::allclose(m.A_logs[5], torch::log(torch::arange(1, N + 1, torch::kFloat))));
  EXPECT_TRUE(torch::equal(m.Ds, torch::ones({2 * E})));
  EXPECT_EQ(m.in_proj->weight.sizes(), (std::vector<int64_t>{2 * E, 96}));
  EXPECT_FALSE(m.in_proj->bias.defined());
}

// The authors' algorithm (parity/ss2d_authors.h) with the plain reference scan.
torch::Tensor authors_forward(nn::SelectiveScan2dBase& m, const torch::Tensor& x, const torch::Tensor& ref,
                              int64_t H, int64_t W, const torch::Tensor& ref_proj_weight) {
  return parity::authors_ss2d_forward(m, x, ref, H, W, ref_proj_weight, ops::selective_scan_reference);
}

TEST(SelectiveScan2d, TwoDirectionsMatchTheAuthorsComposition) {
  torch::manual_seed(1);
  SelectiveScan2dImpl m(s6(24));
  m.to(torch::kDouble);
  const auto x = torch::randn({2, 30, 24}, torch::kDouble);
  EXPECT_LT(relative_error(m.forward(x, {}, {}, {5, 6}), authors_forward(m, x, {}, 5, 6, {})), 1e-10);
}

TEST(SelectiveScan2d, FourDirectionsMatchTheAuthorsCompositionOnSquareAndNonSquareGrids) {
  torch::manual_seed(2);
  SelectiveScan2dImpl m(s6(16, 4, 8));
  m.to(torch::kDouble);
  const auto square = torch::randn({2, 36, 16}, torch::kDouble);
  EXPECT_LT(relative_error(m.forward(square), authors_forward(m, square, {}, 6, 6, {})), 1e-10);  // grid inferred: 6×6
  const auto wide = torch::randn({1, 28, 16}, torch::kDouble);
  EXPECT_LT(relative_error(m.forward(wide, {}, {}, {4, 7}), authors_forward(m, wide, {}, 4, 7, {})), 1e-10);
}

TEST(CrossSelectiveScan2d, MatchesTheAuthorsComposition) {
  torch::manual_seed(3);
  CrossSelectiveScan2dImpl m(s6(20));
  m.to(torch::kDouble);
  const auto x = torch::randn({2, 12, 20}, torch::kDouble), ref = torch::randn({2, 12, 20}, torch::kDouble);
  EXPECT_LT(relative_error(m.forward(x, ref), authors_forward(m, x, ref, 3, 4, m.ref_proj_weight)), 1e-10);
}

// The layer's own layouts (u by a channel-major GEMM, the gate by a token-major one, the norm's
// input copied once) must not change a gradient: every parameter's and the inputs', against the
// authors' composition, for the self and the cross form.
void expect_gradients_match_the_authors(nn::SelectiveScan2dBase& m, const torch::Tensor& x, const torch::Tensor& ref,
                                        const torch::Tensor& ref_proj_weight) {
  std::vector<torch::Tensor> wrt = m.parameters();
  wrt.push_back(x);
  if (ref.defined()) wrt.push_back(ref);
  const auto w = torch::randn({x.size(0), x.size(1), x.size(2)}, torch::kDouble);  // a non-uniform dL/dy
  const auto ours = torch::autograd::grad({(m.forward(x, ref, {}, {3, 4}) * w).sum()}, wrt);
  const auto theirs = torch::autograd::grad({(authors_forward(m, x, ref, 3, 4, ref_proj_weight) * w).sum()}, wrt);
  const auto names = m.named_parameters().keys();
  for (size_t i = 0; i < wrt.size(); ++i) {
    const std::string what = i < names.size() ? names[i] : i == names.size() ? "x" : "context";
    EXPECT_LT(relative_error(ours[i], theirs[i]), 1e-10) << what;
  }
}

TEST(SelectiveScan2d, GradientsMatchTheAuthorsComposition) {
  torch::manual_seed(11);
  SelectiveScan2dImpl m(s6(10));
  m.to(torch::kDouble);
  expect_gradients_match_the_authors(m, torch::randn({2, 12, 10}, torch::kDouble).requires_grad_(), {}, {});
}

TEST(CrossSelectiveScan2d, GradientsMatchTheAuthorsComposition) {
  torch::manual_seed(12);
  CrossSelectiveScan2dImpl m(s6(10));
  m.to(torch::kDouble);
  const auto x = torch::randn({2, 12, 10}, torch::kDouble).requires_grad_();
  const auto ref = torch::randn({2, 12, 10}, torch::kDouble).requires_grad_();
  expect_gradients_match_the_authors(m, x, ref, m.ref_proj_weight);
}

TEST(CrossSelectiveScan2d, ContextChangesTheOutputOnlyThroughSelection) {
  torch::manual_seed(4);
  CrossSelectiveScan2dImpl m(s6(16));
  const auto x = torch::randn({1, 10, 16});
  const auto a = m.forward(x, torch::randn({1, 10, 16})), b = m.forward(x, torch::randn({1, 10, 16}));
  EXPECT_GT(relative_error(a, b), 1e-3);
}

TEST(MambaBlock, MatchesItsDefinition) {
  torch::manual_seed(5);
  nn::MambaBlockOptions o;
  o.s6.d_model = 12;
  nn::MambaBlockImpl m(o);
  m.to(torch::kDouble);
  const int64_t E = 24, R = 1, N = 16, L = 9;
  const auto x = torch::randn({2, L, 12}, torch::kDouble);
  const auto xz = m.in_proj->forward(x).transpose(1, 2);
  // Causal depthwise convolution, written out: out[t] = b + Σ_j w[j] · in[t - (d_conv-1) + j].
  const auto in = torch::constant_pad_nd(xz.narrow(1, 0, E), {3, 0});
  auto conv = m.conv1d->bias.view({1, E, 1}).expand({2, E, L}).clone();
  for (int64_t j = 0; j < 4; ++j) conv = conv + m.conv1d->weight.select(2, j).view({1, E, 1}) * in.narrow(2, j, L);
  const auto u = torch::silu(conv);
  const auto x_dbl = m.x_proj->forward(u.transpose(1, 2));
  const auto delta = torch::einsum("blr,er->bel", {x_dbl.narrow(2, 0, R), m.dt_proj->weight});
  ops::ScanOptions so;
  so.delta_softplus = true;
  const auto y = ops::selective_scan_reference(u, delta, -torch::exp(m.A_log), x_dbl.narrow(2, R, N).transpose(1, 2).unsqueeze(1),
                                               x_dbl.narrow(2, R + N, N).transpose(1, 2).unsqueeze(1), m.D, m.dt_proj->bias,
                                               xz.narrow(1, E, E), so).y;
  EXPECT_LT(relative_error(m.forward(x), m.out_proj->forward(y.transpose(1, 2))), 1e-10);
}

TEST(S6Layers, GradientsReachEveryParameter) {
  torch::manual_seed(6);
  CrossSelectiveScan2dImpl m(s6(8, 4));
  const auto y = m.forward(torch::randn({2, 16, 8}), torch::randn({2, 16, 8}));
  y.sum().backward();
  for (const auto& p : m.named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
}

TEST(S6LayersReject, TokensOfWrongWidth) {
  SelectiveScan2dImpl m(s6(8));
  expect_error([&] { m.forward(torch::randn({1, 4, 9})); }, {"input 'x'", "[batch, L, 8]", "[1, 4, 9]"});
}

TEST(S6LayersReject, SelfMixerGivenAContext) {
  SelectiveScan2dImpl m(s6(8));
  expect_error([&] { m.forward(torch::randn({1, 4, 8}), torch::randn({1, 4, 8})); }, {"self mixer", "no context"});
}

TEST(S6LayersReject, CrossMixerWithoutContextOrWithOtherLength) {
  CrossSelectiveScan2dImpl m(s6(8));
  expect_error([&] { m.forward(torch::randn({1, 4, 8})); }, {"needs a context"});
  expect_error([&] { m.forward(torch::randn({1, 4, 8}), torch::randn({1, 5, 8})); },
               {"context", "batch and length [1, 4]", "[1, 5, 8]"});
}

TEST(S6LayersReject, FourDirectionsOnNonSquareLengthWithoutGrid) {
  SelectiveScan2dImpl m(s6(8, 4));
  expect_error([&] { m.forward(torch::randn({1, 12, 8})); }, {"L = 12 is not a perfect square", "pass the grid"});
  expect_error([&] { m.forward(torch::randn({1, 12, 8}), {}, {}, {5, 3}); }, {"height × width = L = 12", "5 × 3 = 15"});
}

}  // namespace
}  // namespace mno::testing
