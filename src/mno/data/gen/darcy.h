#pragma once
// Steady Darcy flow −∇·(a∇u) = β on (0,1)², u = 0 on the boundary, on a cell-centred grid.
//
// PDEBench reaches this state by explicit time marching of ∂u/∂t − ∇·(a∇u) = β from a random
// initial u (pdebench/data_gen/data_gen_NLE/ReactionDiffusionEq/
// reaction_diffusion_2D_multi_solution_Hydra.py). We solve the same 5-point discretisation
// (arithmetic face averages of a) directly with a sparse Cholesky factorisation: the exact
// steady state of that discretisation, independent of the initial u, in milliseconds.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mno::data::gen {

// Where the boundary condition u = 0 is imposed.
enum class DarcyBoundary {
  // PDEBench's choice: ghost cells set to 0, i.e. u = 0 half a cell outside the domain.
  // First-order accurate at the boundary; the default so our data match PDEBench's.
  ghost_zero,
  // u = 0 exactly on the boundary face (ghost = −interior): second-order accurate.
  face_zero,
};

struct DarcyParams {
  size_t resolution = 128;
  double beta = 1.0;        // the constant source term
  double high = 1.0;        // a where the random field exceeds its mean (PDEBench: 1)
  double low = 0.1;         // a elsewhere (PDEBench: 0.1)
  int bumps = 5;            // Gaussian bumps summed into the random field (PDEBench: 5)
  DarcyBoundary boundary = DarcyBoundary::ghost_zero;
};

// Cell-centre coordinates (i + 0.5)/R of the unit square.
std::vector<double> darcy_cell_centres(size_t resolution);

// The random coefficient a of sample `sample`, [R*R] indexed x*R + y (x first, as PDEBench):
// a sum of `bumps` Gaussians exp(−|x − m|²/s) with centres m ~ U(0,1)² and widths
// s ~ 0.5·U(0,1), thresholded at its mean into {high, low}.
std::vector<double> darcy_coefficient(const DarcyParams& params, uint64_t seed, uint64_t sample);

// Solves the discretisation for a given coefficient field [R*R]; returns u [R*R].
std::vector<double> solve_darcy(const std::vector<double>& a, size_t resolution, double beta, DarcyBoundary boundary);

}  // namespace mno::data::gen
