// The S6 mixers' frequency response for `mno analyze ssm` (nn/ssm_probe.h): a selective SSM has
// no single transfer function, so each forward's system is frozen at evenly spaced positions
// (Ā = exp(ΔA), B̄ = ΔB there), its magnitude at the angles taken, and those averaged over
// positions, samples and forwards.
#include <algorithm>

#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/ssm/frequency_response.h"

namespace mno::nn {
namespace {

// At most this many evenly spaced positions per forward enter the average (the response at every
// position of every channel is [positions, E, F, N] complex numbers).
constexpr int64_t kRecordedPositions = 256;

}  // namespace

void SelectiveScan2dBase::start_recording(const torch::Tensor& theta) {
  recorded_sum_ = torch::Tensor();
  recorded_forwards_ = 0;
  selection_probe = [this, theta](const torch::Tensor& delta, const torch::Tensor& B, const torch::Tensor& C) {
    torch::NoGradGuard no_grad;
    const int64_t K = B.size(1), E = delta.size(1) / K, L = delta.size(2);
    const auto positions =
        torch::linspace(0, L - 1, std::min(L, kRecordedPositions), torch::TensorOptions().device(delta.device()))
            .round()
            .to(torch::kLong);
    const auto A = -torch::exp(A_logs.to(torch::kDouble));
    std::vector<torch::Tensor> per_direction;
    for (int64_t k = 0; k < K; ++k)
      per_direction.push_back(ssm::s6_frozen_magnitude(A.narrow(0, k * E, E),
                                                       delta.narrow(1, k * E, E).index_select(2, positions),
                                                       B.select(1, k).index_select(2, positions),
                                                       C.select(1, k).index_select(2, positions), theta)
                                  .cpu());
    const auto magnitude = torch::cat(per_direction, 0);
    recorded_sum_ = recorded_forwards_ == 0 ? magnitude : recorded_sum_ + magnitude;
    ++recorded_forwards_;
  };
}

void SelectiveScan2dBase::stop_recording() { selection_probe = nullptr; }

torch::Tensor SelectiveScan2dBase::response_magnitude(const torch::Tensor& theta, int64_t) {
  if (recorded_forwards_ == 0) return torch::zeros({A_logs.size(0), theta.numel()}, torch::kDouble);
  return recorded_sum_ / double(recorded_forwards_);
}

}  // namespace mno::nn
