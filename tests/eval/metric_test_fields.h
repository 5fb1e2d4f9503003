#pragma once
// Small hand-made fields [B, H, W, T, C] for the metric tests.
#include <vector>

#include <torch/torch.h>

namespace mno::eval::testing {

// A [B, H, W, T, C] double tensor from values listed in row-major order.
inline torch::Tensor field(std::vector<int64_t> shape, std::vector<double> values) {
  return torch::tensor(values, torch::kDouble).reshape(shape);
}

// Two 2×2 steady samples (T = C = 1). Truth: every |Y| = 2, so ‖Y_b‖ = 4 and mean_s Y² = 4.
// Errors d = P − Y: sample 0 has d = 2 at grid point (0, 0), sample 1 has d = −4 at (1, 1).
inline torch::Tensor two_sample_truth() { return field({2, 2, 2, 1, 1}, {2, -2, 2, 2, 2, -2, 2, 2}); }
inline torch::Tensor two_sample_prediction() { return field({2, 2, 2, 1, 1}, {4, -2, 2, 2, 2, -2, 2, -2}); }

}  // namespace mno::eval::testing
