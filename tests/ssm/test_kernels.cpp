// The S4 kernel by Cauchy sums + Woodbury at the roots of unity, and the S4D Vandermonde kernel,
// against the direct kernel C·Āᵏ·B̄ built from matrix powers (double).
#include <gtest/gtest.h>

#include <vector>

#include "mno/ssm/modes.h"
#include "ssm/ssm_test_systems.h"
#include "support/testing.h"

namespace mno::ssm {
namespace {

using systems::max_relative;

torch::Tensor expand_pairs(const torch::Tensor& half) { return torch::cat({half, torch::conj(half)}, -1); }

TEST(S4Dplr, DiagonalPlusLowRankIsHippoLegsInTheEigenbasis) {
  const int64_t n = 16;
  const auto d = dplr_legs(n);
  const auto V = torch::cat({d.V, torch::conj(d.V)}, 1);  // unitary [N, N]
  const auto dense = s4_dense(d.Lambda.unsqueeze(0), d.P.unsqueeze(0), d.B.unsqueeze(0), d.B.unsqueeze(0));
  const auto A = torch::matmul(torch::matmul(V, dense.A[0]), V.conj().t());
  EXPECT_LT((torch::real(A) - hippo(Measure::legs, n).A).abs().max().item<double>(), 1e-10);
  EXPECT_LT(torch::imag(A).abs().max().item<double>(), 1e-10);
  EXPECT_LT((torch::real(d.Lambda) + 0.5).abs().max().item<double>(), 1e-12);
  EXPECT_GT(torch::imag(d.Lambda).min().item<double>(), 0);
}

TEST(S4Kernel, CauchyWoodburyEqualsDirectPowersUpToL1024) {
  for (const int64_t n : {4, 32}) {
    const auto s = systems::s4_system(n, 3);
    const auto bilinear = systems::s4_bilinear(s);
    for (const int64_t L : {1, 2, 7, 64, 1024}) {
      const auto p = systems::s4_params(s, L);
      const auto cauchy = s4_kernel(p.Lambda, p.P, p.B, p.C_tilde, s.dt, L);
      const auto direct = direct_kernel(bilinear.A, bilinear.B, s.C, L);
      ASSERT_EQ(cauchy.sizes(), direct.sizes());
      EXPECT_LT(max_relative(cauchy, direct), 1e-8) << "N " << n << " L " << L;
    }
  }
}

TEST(S4Kernel, AWrongTruncationIsCaught) {
  // C̃ made for another length gives another kernel: the comparison above can fail.
  const auto s = systems::s4_system(8, 1);
  const auto p = systems::s4_params(s, 16);
  const auto b = systems::s4_bilinear(s);
  EXPECT_GT(max_relative(s4_kernel(p.Lambda, p.P, p.B, p.C_tilde, s.dt * 40, 64), direct_kernel(b.A, b.B, s.C, 64)), 1e-3);
}

TEST(S4Kernel, FrequencyBlocksGiveTheSameKernelAndGradients) {
  // The blocked evaluation (bounded memory) against one block holding every frequency (the plain
  // formula), values and gradients of every parameter, at an L whose bins do not divide evenly.
  const auto s = systems::s4_system(8, 3);
  const int64_t L = 40;
  const auto p = systems::s4_params(s, L);
  const auto weights = torch::randn({3, L}, torch::kDouble);
  const auto run = [&](int64_t block) {
    std::vector<torch::Tensor> leaves;
    for (const auto& t : {p.Lambda, p.P, p.B, p.C_tilde, s.dt}) leaves.push_back(t.detach().clone().requires_grad_(true));
    const auto K = s4_kernel(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], L, block);
    (K * weights).sum().backward();
    leaves.insert(leaves.begin(), K.detach());
    return leaves;
  };
  const auto plain = run(L), blocked = run(3);
  const char* names[] = {"K", "Lambda", "P", "B", "C_tilde", "dt"};
  EXPECT_LT(max_relative(blocked[0], plain[0]), 1e-12);
  for (size_t i = 1; i < plain.size(); ++i) {
    ASSERT_TRUE(blocked[i].grad().defined()) << names[i];
    EXPECT_LT(max_relative(blocked[i].grad(), plain[i].grad()), 1e-12) << names[i];
    EXPECT_GT(plain[i].grad().abs().max().item<double>(), 0) << names[i];
  }
  testing::expect_error([&] { s4_kernel(p.Lambda, p.P, p.B, p.C_tilde, s.dt, L, -1); },
                        {"frequencies_per_block must be >= 0", "found -1"});
}

TEST(S4dKernel, VandermondeEqualsDirectPowersUpToL1024) {
  for (const auto init : {S4dInit::lin, S4dInit::inv}) {
    const auto s = systems::s4d_system(64, 3, init);
    const auto d = discretize_diagonal(s.A, torch::ones_like(s.A), s.dt.unsqueeze(1), Discretization::zoh);
    for (const int64_t L : {1, 64, 1024}) {
      const auto vandermonde = s4d_kernel(s.A, torch::ones_like(s.A), s.C, s.dt, L);
      const auto direct = direct_kernel(torch::diag_embed(expand_pairs(d.A)), expand_pairs(d.B), expand_pairs(s.C), L);
      EXPECT_LT(max_relative(vandermonde, direct), 1e-8) << "L " << L;
    }
  }
}

TEST(S4dInit, LinAndInvEigenvaluesFollowTheirFormulas) {
  const auto lin = s4d_init_eigenvalues(S4dInit::lin, 8), inv = s4d_init_eigenvalues(S4dInit::inv, 8);
  EXPECT_NEAR(torch::imag(lin)[3].item<double>(), 3 * M_PI, 1e-12);
  EXPECT_NEAR(torch::imag(inv)[1].item<double>(), 8 / M_PI * (8.0 / 3 - 1), 1e-12);
  EXPECT_NEAR(torch::real(inv)[2].item<double>(), -0.5, 1e-12);
  testing::expect_error([] { s4d_init_eigenvalues(S4dInit::lin, 0); }, {"N must be even and at least 2", "found 0"});
  testing::expect_error([] { dplr_legs(7); }, {"N must be even", "found 7"});
  testing::expect_error([] { parse_s4d_init("random"); }, {"unknown S4D initialisation 'random'"});
}

TEST(S4Kernel, NonPositiveStepIsAnError) {
  const auto s = systems::s4_system(4, 1);
  const auto p = systems::s4_params(s, 8);
  testing::expect_error([&] { s4_kernel(p.Lambda, p.P, p.B, p.C_tilde, torch::zeros({1}, torch::kDouble), 8); },
                        {"S4 kernel", "step Δ must be positive"});
}

}  // namespace
}  // namespace mno::ssm
