#pragma once
// 2-D FitzHugh–Nagumo diffusion-reaction system (PDEBench's 2D_diff-react):
//   u_t = Du Δu + u − u³ − k − v,   v_t = Dv Δv + u − v,
// on [−1, 1]² with no-flux boundaries, cell-centred 5-point Laplacian whose edge and corner rows
// drop the missing neighbours (exactly PDEBench's matrix: mirror ghost cells). Method of lines
// with classical RK4 at a fixed step below the stability limit; PDEBench uses SciPy's adaptive
// RK45 at its default tolerances (docs/data.md).
// Fields are stored [ny, nx] (y major), as PDEBench reshapes them: data[t, y, x, (u, v)].
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mno/data/array.h"

namespace mno::data::gen {

struct DiffusionReactionParams {
  size_t resolution = 128;
  double du = 1e-3, dv = 5e-3, k = 5e-3;
  double low = -1.0, high = 1.0;  // the square domain
  double final_time = 5.0;
  size_t frames = 101;            // saved at t = k·final_time/(frames − 1)
  bool reaction = true;           // false: two decoupled heat equations (for tests)
};

struct DiffusionReactionState {
  std::vector<double> u, v;  // [R*R], index y*R + x
};

// Sample `sample`'s initial state: u then v, i.i.d. standard normal per cell (as PDEBench).
DiffusionReactionState diffusion_reaction_initial_state(const DiffusionReactionParams& params, uint64_t seed,
                                                        uint64_t sample);

// Frames [frames, R, R, 2] float32 from the given initial state.
FloatArray simulate_diffusion_reaction(const DiffusionReactionParams& params, DiffusionReactionState state);

// Cell-centre coordinates of the domain.
std::vector<double> diffusion_reaction_cell_centres(const DiffusionReactionParams& params);

}  // namespace mno::data::gen
