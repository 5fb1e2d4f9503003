#include "mno/models/neural_operator.h"

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::models {

TokenGrid NeuralOperatorImpl::check_inputs(const torch::Tensor& features, const torch::Tensor& pos,
                                           const TokenGrid& grid) const {
  if (!features.defined() || features.dim() != 3 || features.size(2) != in_channels_)
    throw mismatch_error(fmt::format("{}: input 'features'", name_), fmt::format("[batch, L, {}]", in_channels_),
                         compat::shape_str(features));
  if (!pos.defined() || pos.dim() != 3 || pos.size(0) != features.size(0) || pos.size(1) != features.size(1) ||
      pos.size(2) != 2)
    throw mismatch_error(fmt::format("{}: input 'pos'", name_),
                         compat::shape_str({features.size(0), features.size(1), 2}), compat::shape_str(pos));
  if (grid.scattered) return grid;  // point clouds: models that need a grid ask for it (resolve_token_grid)
  return nn::resolve_token_grid(grid, features.size(1), name_);
}

}  // namespace mno::models
