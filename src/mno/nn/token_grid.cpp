#include "mno/nn/token_grid.h"

#include <cmath>

#include "mno/core/error.h"

namespace mno::nn {

TokenGrid resolve_token_grid(const TokenGrid& grid, int64_t tokens, const std::string& who) {
  if (grid.scattered)
    throw Error(fmt::format("{} needs a regular grid of tokens, but these {} are scattered points (a point-cloud "
                            "file); use a model that takes point clouds (gnot, oformer; docs/irregular.md)", who, tokens));
  TokenGrid g = grid;
  if (g.height == 0 && g.width == 0) {
    g.height = g.width = static_cast<int64_t>(std::llround(std::sqrt(double(tokens))));
    if (g.height * g.width != tokens)
      throw Error(fmt::format("{}: the token grid was not given and L = {} is not a perfect square; pass the grid "
                              "(height × width = L)", who, tokens));
  }
  if (g.height * g.width != tokens)
    throw mismatch_error(fmt::format("{}: token grid", who), fmt::format("height × width = L = {}", tokens),
                         fmt::format("{} × {} = {}", g.height, g.width, g.height * g.width));
  return g;
}

}  // namespace mno::nn
