#pragma once
// `mno generate darcy|swe|diffreact`: makes a PDEBench-layout file. Samples are solved in
// parallel, streamed to a temporary file in index order and the file is renamed to `out` only
// when complete. Sample i depends only on (seed, i): the file is the same for any thread count.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mno/data/gen/darcy.h"
#include "mno/data/gen/diffusion_reaction.h"
#include "mno/data/gen/point_sampling.h"
#include "mno/data/gen/shallow_water.h"

namespace mno::data::gen {

struct GenerateOptions {
  size_t samples = 0;
  std::string out;
  uint64_t seed = 0;
  int threads = 0;       // 0 = all cores
  bool overwrite = false;  // replace an existing `out` (refused otherwise)
  bool progress = true;  // a progress bar (or periodic lines when not on a terminal)
};

struct GenerateSummary {
  size_t samples = 0;
  double seconds = 0.0;
};

// A point cloud instead of the grid (`--points N`, docs/irregular.md): each sample is solved on
// the grid as usual, then read off at N scattered points (coefficient: the cell's value;
// solution: bilinear), which every sample shares or each draws anew.
struct PointCloudOptions {
  size_t points = 0;  // 0 = the grid itself
  bool per_sample = false;
  PointDensity density = PointDensity::uniform;
};

// The resolution comes from the PDE parameters (params.resolution).
GenerateSummary generate_darcy(const GenerateOptions& options, const DarcyParams& params,
                               const PointCloudOptions& cloud = {});
GenerateSummary generate_shallow_water(const GenerateOptions& options, const DamBreakParams& params);
GenerateSummary generate_diffusion_reaction(const GenerateOptions& options, const DiffusionReactionParams& params);

}  // namespace mno::data::gen
