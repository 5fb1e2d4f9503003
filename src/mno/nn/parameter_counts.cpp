#include "mno/nn/parameter_counts.h"

namespace mno::nn {

ParameterCounts count_parameters(const torch::nn::Module& module) {
  ParameterCounts counts;
  for (const auto& p : module.parameters()) (p.requires_grad() ? counts.trainable : counts.frozen) += p.numel();
  return counts;
}

}  // namespace mno::nn
