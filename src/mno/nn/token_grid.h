#pragma once
// The 2-D grid that L tokens are a row-major raster of, and the one rule for when it is not given.
#include <cstdint>
#include <string>

namespace mno::nn {

// height·width = L. 0×0 = not given; layers that need it (4-direction scans, models that
// rebuild the grid) then require L to be a perfect square, as the authors do.
// scattered: the tokens are points with no grid at all (a point-cloud file, docs/irregular.md);
// layers that need a grid refuse them.
struct TokenGrid {
  int64_t height = 0, width = 0;
  bool scattered = false;
};

// The grid of `tokens` tokens: `grid` when given, else the square √L × √L (the authors' rule).
// Throws naming `who` when L is not a square and no grid was given, the grid does not hold L, or
// the tokens are scattered points.
TokenGrid resolve_token_grid(const TokenGrid& grid, int64_t tokens, const std::string& who);

}  // namespace mno::nn
