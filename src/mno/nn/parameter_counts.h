#pragma once
// Parameter counts of any module (a mixer, a model): the one place that decides what counts.
#include <cstdint>

#include <torch/torch.h>

namespace mno::nn {

// Frozen = requires_grad false (saved with the module, not trained), counted apart as the
// authors' counts leave them out.
struct ParameterCounts {
  int64_t trainable = 0, frozen = 0;
};
ParameterCounts count_parameters(const torch::nn::Module& module);

}  // namespace mno::nn
