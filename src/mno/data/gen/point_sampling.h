#pragma once
// Scattered points for `mno generate darcy --points N` (docs/irregular.md): where the points go,
// and the fields of the solver's grid read off at them.
//  - uniform:   every point uniform in the unit square;
//  - clustered: half the points uniform, half within a band along the walls (distance to the
//    nearest wall |N(0, 0.08)|, capped inside the square), where Darcy's solution falls to its
//    boundary value 0 and varies fastest — so that where the points sit, and in which order a
//    scan visits them, matters.
// Positions are drawn from their own random stream: per sample from (seed, sample) with a tag
// apart from the coefficient's, or once for a shared mesh; a file is the same for any thread count.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mno::data::gen {

enum class PointDensity { uniform, clustered };
PointDensity parse_point_density(const std::string& name);  // "uniform" | "clustered"

// N points as (x0, y0, x1, y1, …), x along the grid's first axis, in [0, 1]².
std::vector<double> sample_points(size_t points, PointDensity density, uint64_t seed, uint64_t stream);

// The cell-centred field f [R*R] (indexed x*R + y) at the points:
// the value of the cell each point falls in (piecewise-constant fields: Darcy's coefficient) ...
std::vector<double> nearest_cell_values(const std::vector<double>& f, size_t resolution, const std::vector<double>& xy);
// ... or bilinear between the four nearest cell centres, held constant beyond the outermost
// centres (within half a cell of a wall).
std::vector<double> bilinear_values(const std::vector<double>& f, size_t resolution, const std::vector<double>& xy);

}  // namespace mno::data::gen
