// HiPPO: the matrices against their closed forms at N = 3, and against the definition — the
// projection of a polynomial's history satisfies the ODE exactly (to rounding) — at larger N.
#include <cmath>

#include <gtest/gtest.h>

#include "mno/ssm/analysis_hippo.h"
#include "mno/ssm/hippo.h"
#include "support/testing.h"

namespace mno::ssm {
namespace {

double binomial(int n, int k) { return std::tgamma(n + 1.0) / (std::tgamma(k + 1.0) * std::tgamma(n - k + 1.0)); }

// ∫₀¹ y^m g_n(y) dy with g_n = sqrt(2n+1) P_n(2y−1) (shifted Legendre in monomials).
double legendre_moment(int n, int m) {
  double sum = 0;
  for (int k = 0; k <= n; ++k) sum += binomial(n, k) * binomial(n + k, k) * ((k % 2) ? -1.0 : 1.0) / (m + k + 1);
  return std::sqrt(2.0 * n + 1) * ((n % 2) ? -1.0 : 1.0) * sum;
}

// ∫₀^∞ x^j L_n(x) e^{−x} dx.
double laguerre_moment(int n, int j) {
  double sum = 0;
  for (int k = 0; k <= n; ++k) sum += binomial(n, k) * ((k % 2) ? -1.0 : 1.0) * std::tgamma(j + k + 1.0) / std::tgamma(k + 1.0);
  return sum;
}

// The coefficients c(t) of f(s) = s^m under the measure, straight from the definitions.
torch::Tensor projection(Measure measure, int N, int m, double t) {
  auto c = torch::zeros({N}, torch::kDouble);
  for (int n = 0; n < N; ++n) {
    double v = 0;
    if (measure == Measure::legs) v = std::pow(t, m) * legendre_moment(n, m);  // f(t y) = t^m y^m
    for (int j = 0; j <= m && measure != Measure::legs; ++j) {
      // LegT: f(t − 1 + y) = Σ_j C(m,j)(t−1)^{m−j} y^j; LagT: f(t − x) = Σ_j C(m,j) t^{m−j} (−x)^j.
      v += measure == Measure::legt ? binomial(m, j) * std::pow(t - 1, m - j) * legendre_moment(n, j)
                                    : binomial(m, j) * std::pow(t, m - j) * ((j % 2) ? -1.0 : 1.0) * laguerre_moment(n, j);
    }
    c[n] = v;
  }
  return c;
}

TEST(Hippo, MatricesMatchTheirClosedFormsAtN3) {
  const double r3 = std::sqrt(3.0), r5 = std::sqrt(5.0), r15 = std::sqrt(15.0);
  const auto legs = hippo(Measure::legs, 3), legt = hippo(Measure::legt, 3), lagt = hippo(Measure::lagt, 3);
  const auto m = [](std::vector<double> v) { return torch::tensor(v, torch::kDouble).view({3, 3}); };
  EXPECT_TRUE(torch::allclose(legs.A, m({-1, 0, 0, -r3, -2, 0, -r5, -r15, -3})));
  EXPECT_TRUE(torch::allclose(legs.B, torch::tensor({1.0, r3, r5}, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(legt.A, m({-1, r3, -r5, -r3, -3, r15, -r5, -r15, -5})));
  EXPECT_TRUE(torch::allclose(legt.B, legs.B));
  EXPECT_TRUE(torch::allclose(lagt.A, m({-1, 0, 0, -1, -1, 0, -1, -1, -1})));
  EXPECT_TRUE(torch::allclose(lagt.B, torch::ones({3}, torch::kDouble)));
}

// LegS: t c' = A c + B f; for f = t^m, c = t^m M_m, so (mI − A) M_m = B for every degree m < N.
TEST(Hippo, LegsProjectionOfEveryMonomialBelowNSolvesItsOde) {
  // The moments are alternating sums of large binomials: rounding leaves ~1e-9; a wrong entry of
  // A or B leaves O(1).
  const int N = 8;
  const auto h = hippo(Measure::legs, N);
  for (int m = 0; m < N; ++m) {
    const auto c = projection(Measure::legs, N, m, 1.0);
    const auto lhs = torch::matmul(m * torch::eye(N, torch::kDouble) - h.A, c);
    EXPECT_LT((lhs - h.B).abs().max().item<double>(), 1e-7) << "degree " << m;
  }
}

// c' = A c + B f(t), with c' the projection of f' (m·s^{m−1}).
TEST(Hippo, LegtAndLagtProjectionsOfPolynomialsSolveTheirOdes) {
  const int N = 8;
  for (const auto measure : {Measure::legt, Measure::lagt}) {
    const auto h = hippo(measure, N);
    for (int m = 1; m < N; ++m)
      for (const double t : {0.3, 1.7}) {
        const auto c = projection(measure, N, m, t);
        const auto derivative = m * projection(measure, N, m - 1, t);
        const auto rhs = torch::matmul(h.A, c) + h.B * std::pow(t, m);
        EXPECT_LT(testing::relative_error(rhs, derivative), 1e-7) << measure_name(measure) << " degree " << m << " t " << t;
      }
  }
}

TEST(Hippo, LegsCoefficientsReconstructAPolynomialOfDegreeBelowNToRounding) {
  const int N = 8;
  const auto h = hippo(Measure::legs, N);
  // f(s) = 1 − 2s + 3s³ − s⁷ on [0, 1]: its coefficients at t = 1 are Σ_m a_m (mI − A)⁻¹ B.
  const std::vector<std::pair<int, double>> terms{{0, 1}, {1, -2}, {3, 3}, {7, -1}};
  auto c = torch::zeros({N}, torch::kDouble);
  for (const auto& [m, a] : terms) c += a * torch::linalg_solve(m * torch::eye(N, torch::kDouble) - h.A, h.B);
  const auto y = torch::linspace(0, 1, 101, torch::kDouble);
  const auto f = 1 - 2 * y + 3 * y.pow(3) - y.pow(7);
  EXPECT_LT((torch::matmul(hippo_basis(Measure::legs, N, y), c) - f).abs().max().item<double>(), 1e-12);
}

TEST(Hippo, OnlineReconstructionIsAccurateForEveryMeasure) {
  for (const auto measure : {Measure::legs, Measure::legt, Measure::lagt}) {
    const auto r = reconstruct_online(measure, 64, 2000);
    EXPECT_LT(r.rms_error, 0.05) << measure_name(measure);
    EXPECT_EQ(r.window_s.size(), r.reconstruction.size());
  }
  // Fewer coefficients, worse memory: the error must grow.
  EXPECT_GT(reconstruct_online(Measure::legs, 4, 2000).rms_error, 0.2);
}

TEST(Hippo, BadSizesAndMeasuresAreNamed) {
  testing::expect_error([] { hippo(Measure::legs, 0); }, {"state size N must be at least 1", "found 0"});
  testing::expect_error([] { parse_measure("fourier"); }, {"unknown HiPPO measure 'fourier'", "legs, legt or lagt"});
  testing::expect_error([] { reconstruct_online(Measure::legt, 0); }, {"N must be at least 1"});
}

}  // namespace
}  // namespace mno::ssm
