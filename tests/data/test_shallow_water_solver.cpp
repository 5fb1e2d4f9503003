// The shallow-water solver: mass conservation, positivity and the exact 1-D dam break.
#include <cmath>
#include <numeric>

#include "data/data_test_support.h"
#include "mno/data/gen/shallow_water.h"

namespace mno::data::gen {
namespace {

ShallowWaterState radial_dam(const ShallowWaterGrid& grid, double radius) {
  const size_t n = grid.nx * grid.ny;
  ShallowWaterState q{std::vector<double>(n), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  for (size_t i = 0; i < grid.nx; ++i)
    for (size_t j = 0; j < grid.ny; ++j) q.h[i * grid.ny + j] = std::hypot(grid.x(i), grid.y(j)) <= radius ? 2.0 : 1.0;
  return q;
}

double mass(const ShallowWaterState& q) { return std::accumulate(q.h.begin(), q.h.end(), 0.0); }

TEST(ShallowWater, ClosedBoxConservesMassToRounding) {
  ShallowWaterGrid grid;
  grid.nx = grid.ny = 32;
  ShallowWaterState q = radial_dam(grid, 1.5);  // waves reach and reflect off the walls by t = 3
  const double before = mass(q);
  const ShallowWaterSolver solver(grid, 1.0, WaterBoundary::wall);
  const size_t steps = solver.advance(q, 0.0, 3.0);
  EXPECT_GT(steps, 50u);
  EXPECT_LT(std::abs(mass(q) - before) / before, 1e-13);
  EXPECT_GT(*std::min_element(q.h.begin(), q.h.end()), 0.0);
}

TEST(ShallowWater, DeepDamOverNearlyDryBedStaysPositive) {
  ShallowWaterGrid grid;
  grid.nx = grid.ny = 24;
  ShallowWaterState q = radial_dam(grid, 1.0);
  for (double& h : q.h) h = h > 1.5 ? 10.0 : 1e-6;
  const ShallowWaterSolver solver(grid, 1.0, WaterBoundary::outflow);
  solver.advance(q, 0.0, 0.5);
  for (double h : q.h) ASSERT_GE(h, 0.0);
}

// L1 error of h along the x axis of a planar dam break (h = 2 for x < 0, 1 for x > 0) at t = 1.
double planar_dam_break_error(size_t nx) {
  ShallowWaterGrid grid;
  grid.nx = nx;
  grid.ny = 2;  // a planar problem: y is trivial
  ShallowWaterState q{std::vector<double>(nx * 2), std::vector<double>(nx * 2, 0.0), std::vector<double>(nx * 2, 0.0)};
  for (size_t i = 0; i < nx; ++i)
    for (size_t j = 0; j < 2; ++j) q.h[i * 2 + j] = grid.x(i) < 0 ? 2.0 : 1.0;
  ShallowWaterSolver(grid, 1.0, WaterBoundary::outflow).advance(q, 0.0, 1.0);
  double error = 0.0;
  for (size_t i = 0; i < nx; ++i) {
    EXPECT_EQ(q.h[i * 2], q.h[i * 2 + 1]);  // symmetry in y is kept exactly
    error += std::abs(q.h[i * 2] - dam_break_exact_depth(2.0, 1.0, 1.0, grid.x(i))) * grid.dx();
  }
  return error;
}

TEST(ShallowWater, PlanarDamBreakConvergesToTheExactSolution) {
  const double e100 = planar_dam_break_error(100), e200 = planar_dam_break_error(200),
               e400 = planar_dam_break_error(400);
  fmt::print("swe planar dam break: L1 error of h, nx=100 {:.3e}, nx=200 {:.3e}, nx=400 {:.3e}; orders {:.2f} {:.2f}\n",
             e100, e200, e400, std::log2(e100 / e200), std::log2(e200 / e400));
  EXPECT_LT(e400, 2e-2);
  EXPECT_LT(e200, e100);
  EXPECT_LT(e400, e200);
  // A shock limits L1 convergence to first order; second-order smooth regions push it towards 1.
  EXPECT_GT(std::log2(e200 / e400), 0.7);
}

TEST(ShallowWater, ExactDamBreakHasTheKnownMiddleState) {
  // h_l = 2, h_r = 1, g = 1: middle depth 1.45384 (solved independently in Python), the constant
  // state between the rarefaction and the shock.
  const double hm = dam_break_exact_depth(2.0, 1.0, 1.0, 0.0);
  EXPECT_NEAR(hm, 1.4538409, 1e-6);
  EXPECT_EQ(dam_break_exact_depth(2.0, 1.0, 1.0, -2.0), 2.0);
  EXPECT_EQ(dam_break_exact_depth(2.0, 1.0, 1.0, 2.0), 1.0);
}

TEST(ShallowWater, RadialDamBreakFramesKeepTheDamSymmetry) {
  DamBreakParams p;
  p.resolution = 16;
  p.frames = 3;
  p.final_time = 0.2;
  const FloatArray f = simulate_radial_dam_break(p, 0.5);
  ASSERT_EQ(f.shape, (Shape{3, 16, 16, 1}));
  EXPECT_EQ(f.values[0 * 256 + 8 * 16 + 8], 2.0f);
  for (size_t i = 0; i < 16; ++i)
    for (size_t j = 0; j < 16; ++j) EXPECT_NEAR(f.values[2 * 256 + i * 16 + j], f.values[2 * 256 + j * 16 + i], 1e-6);
}

}  // namespace
}  // namespace mno::data::gen
