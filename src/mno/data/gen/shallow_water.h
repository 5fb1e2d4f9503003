#pragma once
// 2-D shallow water equations on a flat bed, conserved variables (h, hu, hv):
//   h_t + (hu)_x + (hv)_y = 0,  (hu)_t + (hu² + g h²/2)_x + (huv)_y = 0,  (hv)_t + … = 0.
// Finite volumes on a uniform cell-centred grid: MUSCL reconstruction of (h, u, v) with the
// minmod limiter, HLL fluxes with Einfeldt's wave-speed bounds, Heun (SSP-RK2) time stepping.
// Positivity: reconstructed depths stay within the neighbouring cell means (minmod), and the
// time step satisfies dt·(Sx/dx + Sy/dy) ≤ 1/2, under which HLL keeps h ≥ 0 (Audusse et al.'s
// hydrostatic reconstruction reduces to this on a flat bed).
// PDEBench uses PyClaw's wave-propagation method with a Roe solver and the MC limiter; docs/data.md
// compares the two.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mno/data/array.h"

namespace mno::data::gen {

enum class WaterBoundary {
  outflow,  // zero-gradient ghost cells (PyClaw "extrap"), as PDEBench
  wall,     // reflecting walls: closed box, exact mass conservation
};

struct ShallowWaterGrid {
  size_t nx = 128, ny = 128;
  double x_low = -2.5, x_high = 2.5, y_low = -2.5, y_high = 2.5;
  double dx() const { return (x_high - x_low) / static_cast<double>(nx); }
  double dy() const { return (y_high - y_low) / static_cast<double>(ny); }
  double x(size_t i) const { return x_low + (static_cast<double>(i) + 0.5) * dx(); }
  double y(size_t j) const { return y_low + (static_cast<double>(j) + 0.5) * dy(); }
};

struct ShallowWaterState {
  std::vector<double> h, hu, hv;  // [nx*ny], indexed i*ny + j (x first, as PyClaw's q[:, i, j])
};

class ShallowWaterSolver {
 public:
  ShallowWaterSolver(ShallowWaterGrid grid, double gravity, WaterBoundary boundary, double cfl = 0.45);

  // Advances `state` from time `from` to exactly `to`; returns the number of steps taken.
  size_t advance(ShallowWaterState& state, double from, double to) const;
  // The largest stable time step for a state.
  double stable_dt(const ShallowWaterState& state) const;
  const ShallowWaterGrid& grid() const { return grid_; }

 private:
  void rate(const ShallowWaterState& q, ShallowWaterState& dq) const;  // dq = −div F(q)
  ShallowWaterGrid grid_;
  double g_;
  WaterBoundary boundary_;
  double cfl_;
};

struct DamBreakParams {
  size_t resolution = 128;
  double gravity = 1.0;
  double radius_min = 0.3, radius_max = 0.7;  // dam radius ~ U(radius_min, radius_max)
  double inner_height = 2.0, outer_height = 1.0;
  double final_time = 1.0;
  size_t frames = 101;  // saved at t = k·final_time/(frames − 1)
  WaterBoundary boundary = WaterBoundary::outflow;
};

// The radius of sample `sample` (its only random input).
double dam_radius(const DamBreakParams& params, uint64_t seed, uint64_t sample);
// Frames of h, [frames, R, R, 1] float32, for a dam of the given radius centred at the origin.
FloatArray simulate_radial_dam_break(const DamBreakParams& params, double radius);

// Exact solution of the 1-D dam break (wet bed, h_left > h_right, zero velocities) at
// ξ = (x − x_dam)/t (Stoker): left state, rarefaction, middle state, shock, right state.
double dam_break_exact_depth(double h_left, double h_right, double gravity, double xi);

}  // namespace mno::data::gen
