// The Darcy solver against the series solution for constant a, and the coefficient recipe.
#include <cmath>
#include <set>

#include "data/data_test_support.h"
#include "mno/data/gen/darcy.h"

namespace mno::data::gen {
namespace {

// −Δu = 1 on the unit square, u = 0 on the boundary:
// u = Σ_{m,n odd} 16 / (π⁴ m n (m² + n²)) sin(mπx) sin(nπy).
double series_solution(double x, double y) {
  double u = 0.0;
  for (int m = 1; m < 400; m += 2)
    for (int n = 1; n < 400; n += 2)
      u += 16.0 / (std::pow(M_PI, 4) * m * n * (m * m + n * n)) * std::sin(m * M_PI * x) * std::sin(n * M_PI * y);
  return u;
}

// Max-norm error of the discrete solution at the cell centres, for a = 1, β = 1.
double constant_coefficient_error(size_t R, DarcyBoundary boundary) {
  const std::vector<double> u = solve_darcy(std::vector<double>(R * R, 1.0), R, 1.0, boundary);
  const std::vector<double> c = darcy_cell_centres(R);
  double worst = 0.0;
  for (size_t i = 0; i < R; ++i)
    for (size_t j = 0; j < R; ++j) worst = std::max(worst, std::abs(u[i * R + j] - series_solution(c[i], c[j])));
  return worst;
}

TEST(DarcySolver, FaceBoundaryConvergesAtSecondOrderToTheSeriesSolution) {
  const double e16 = constant_coefficient_error(16, DarcyBoundary::face_zero);
  const double e32 = constant_coefficient_error(32, DarcyBoundary::face_zero);
  const double e64 = constant_coefficient_error(64, DarcyBoundary::face_zero);
  fmt::print("darcy face_zero: max error R=16 {:.3e}, R=32 {:.3e}, R=64 {:.3e}; orders {:.2f} {:.2f}\n", e16, e32, e64,
             std::log2(e16 / e32), std::log2(e32 / e64));
  EXPECT_LT(e64, 5e-5);
  EXPECT_NEAR(std::log2(e32 / e64), 2.0, 0.15);
}

TEST(DarcySolver, PdebenchGhostBoundaryConvergesAtFirstOrder) {
  // PDEBench puts u = 0 in the ghost cell, half a cell outside the domain: O(h) at the boundary.
  const double e16 = constant_coefficient_error(16, DarcyBoundary::ghost_zero);
  const double e32 = constant_coefficient_error(32, DarcyBoundary::ghost_zero);
  const double e64 = constant_coefficient_error(64, DarcyBoundary::ghost_zero);
  fmt::print("darcy ghost_zero (PDEBench): max error R=16 {:.3e}, R=32 {:.3e}, R=64 {:.3e}; orders {:.2f} {:.2f}\n", e16,
             e32, e64, std::log2(e16 / e32), std::log2(e32 / e64));
  EXPECT_LT(e64, 3e-3);
  EXPECT_NEAR(std::log2(e32 / e64), 1.0, 0.15);
}

TEST(DarcySolver, SolutionScalesWithBetaAndInverselyWithA) {
  const size_t R = 8;
  const auto base = solve_darcy(std::vector<double>(R * R, 1.0), R, 1.0, DarcyBoundary::ghost_zero);
  const auto scaled = solve_darcy(std::vector<double>(R * R, 0.1), R, 0.5, DarcyBoundary::ghost_zero);
  for (size_t k = 0; k < R * R; ++k) EXPECT_NEAR(scaled[k], 5.0 * base[k], 1e-12 * base[k] + 1e-14);
}

TEST(DarcyCoefficient, TakesTwoValuesAndDependsOnlyOnSeedAndSample) {
  DarcyParams p;
  p.resolution = 32;
  const auto a = darcy_coefficient(p, 7, 3);
  EXPECT_EQ(std::set<double>(a.begin(), a.end()), (std::set<double>{0.1, 1.0}));
  EXPECT_EQ(a, darcy_coefficient(p, 7, 3));
  EXPECT_NE(a, darcy_coefficient(p, 7, 4));
  EXPECT_NE(a, darcy_coefficient(p, 8, 3));
}

TEST(DarcySolver, RejectsAMismatchedCoefficient) {
  testing::expect_error([] { solve_darcy(std::vector<double>(10, 1.0), 4, 1.0, DarcyBoundary::face_zero); },
                        {"Darcy solve", "4x4", "found 10"});
}

}  // namespace
}  // namespace mno::data::gen
