// Discretisations: their observed orders against the exact continuous solution (Euler 1,
// bilinear 2, ZOH exact for held inputs), the closed forms against the matrix exponential, and
// MNO's Proposition 1 (ZOH and Euler differ at second order in Δ).
#include <cmath>

#include <gtest/gtest.h>

#include "mno/ssm/analysis_discretization.h"
#include "mno/ssm/discretize.h"
#include "support/testing.h"

namespace mno::ssm {
namespace {

const DiscretizationCurve& curve(const DiscretizationStudy& s, const std::string& method, const std::string& input) {
  for (const auto& c : s.curves)
    if (c.method == method && c.input == input) return c;
  throw std::runtime_error("no curve " + method + " " + input);
}

TEST(Discretization, ObservedOrdersAreEulerOneBilinearTwoAndZohExactForHeldInputs) {
  const auto study = study_discretization();
  ASSERT_EQ(study.curves.size(), 6u);
  for (const char* input : {"held", "smooth"}) {
    EXPECT_NEAR(curve(study, "euler", input).order, 1.0, 0.15) << input;
    EXPECT_NEAR(curve(study, "bilinear", input).order, 2.0, 0.15) << input;
  }
  for (double e : curve(study, "zoh", "held").errors) EXPECT_LT(e, 1e-9);
  EXPECT_TRUE(std::isnan(curve(study, "zoh", "held").order));  // "exact"
  EXPECT_NEAR(curve(study, "zoh", "smooth").order, 1.0, 0.15);  // the hold itself is first order
}

TEST(Discretization, ObservedOrderIsTheLogLogSlope) {
  EXPECT_NEAR(observed_order({1, 0.5, 0.25}, {3, 0.75, 0.1875}), 2.0, 1e-12);
  EXPECT_NEAR(observed_order({1, 0.5, 0.25}, {3, 1.5, 0.75}), 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(observed_order({1, 0.5}, {1e-16, 1e-17})));
}

TEST(Discretization, DiagonalClosedFormsEqualTheDenseOnes) {
  const auto a = torch::tensor({-0.3, -2.0, -7.5}, torch::kDouble), b = torch::tensor({1.0, -0.5, 2.0}, torch::kDouble);
  for (const auto m : {Discretization::zoh, Discretization::bilinear, Discretization::euler}) {
    const auto dense = discretize(torch::diag(a), b, 0.1, m);
    const auto diag = discretize_diagonal(a, b, torch::tensor(0.1, torch::kDouble), m);
    EXPECT_LT((torch::diagonal(dense.A) - diag.A).abs().max().item<double>(), 1e-13) << discretization_name(m);
    EXPECT_LT((dense.B - diag.B).abs().max().item<double>(), 1e-13) << discretization_name(m);
  }
}

TEST(Discretization, GeneralisedBilinearContainsEulerAndBilinear) {
  const auto A = torch::randn({4, 4}, torch::kDouble), B = torch::randn({4}, torch::kDouble);
  const auto step = torch::tensor(0.05, torch::kDouble);
  EXPECT_TRUE(torch::allclose(discretize_gbt(A, B, step, 0.5).A, discretize(A, B, 0.05, Discretization::bilinear).A));
  EXPECT_TRUE(torch::allclose(discretize_gbt(A, B, step, 0.0).A, torch::eye(4, torch::kDouble) + 0.05 * A));
  // Backward Euler: Ā = (I − ΔA)⁻¹.
  EXPECT_TRUE(torch::allclose(discretize_gbt(A, B, step, 1.0).A, torch::linalg_inv(torch::eye(4, torch::kDouble) - 0.05 * A)));
}

TEST(Discretization, ZohOfAnIntegratorNeedsNoInverse) {
  const auto d = discretize(torch::zeros({2, 2}, torch::kDouble), torch::tensor({1.0, 2.0}, torch::kDouble), 0.25,
                            Discretization::zoh);
  EXPECT_TRUE(torch::allclose(d.A, torch::eye(2, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(d.B, torch::tensor({0.25, 0.5}, torch::kDouble)));
}

TEST(Discretization, ZohMinusEulerIsSecondOrderInTheStep) {
  const auto A = torch::tensor({0.0, 1.0, -4.0, -0.4}, torch::kDouble).view({2, 2});
  const auto B = torch::tensor({0.0, 1.0}, torch::kDouble);
  const auto gap = [&](double dt) {
    return (discretize(A, B, dt, Discretization::zoh).A - discretize(A, B, dt, Discretization::euler).A).norm().item<double>();
  };
  EXPECT_NEAR(std::log2(gap(0.01) / gap(0.005)), 2.0, 0.05);
}

TEST(Discretization, NonPositiveStepIsAnError) {
  const auto A = -torch::eye(2, torch::kDouble), B = torch::ones({2}, torch::kDouble);
  for (const double dt : {0.0, -0.1, std::nan("")})
    testing::expect_error([&] { discretize(A, B, dt, Discretization::zoh); }, {"step Δ must be positive"});
  testing::expect_error([&] { study_discretization({-0.5}); }, {"analyze discretization", "step Δ must be positive", "-0.5"});
  testing::expect_error([&] { study_discretization({0.3}); }, {"does not divide"});
  testing::expect_error([] { parse_discretization("rk4"); }, {"unknown discretisation 'rk4'"});
}

}  // namespace
}  // namespace mno::ssm
