#pragma once
// Adam and AdamW whose step runs as LibTorch's fused multi-tensor kernel (`_fused_adam_` /
// `_fused_adamw_`, LibTorch >= 2.1): one launch per parameter group instead of about ten small
// kernels per parameter tensor — on the GPU the per-tensor loop of torch::optim's step was
// several milliseconds of launch gaps per training step (docs/performance.md). The state
// (exp_avg, exp_avg_sq, step) stays torch::optim's own, so checkpoints are unchanged and the
// two steps can alternate. Where the fused kernel is unavailable (LibTorch 1.13, a device
// without it, amsgrad, sparse gradients) the step is torch::optim's. Same maths up to fp32
// rounding (tests/train/test_fused_adam.cpp).
#include <string>
#include <vector>

#include <torch/torch.h>

namespace mno::train {

class FusedAdam : public torch::optim::Adam {
 public:
  FusedAdam(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamOptions defaults)
      : torch::optim::Adam(std::move(groups), std::move(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdamW : public torch::optim::AdamW {
 public:
  FusedAdamW(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults)
      : torch::optim::AdamW(std::move(groups), std::move(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// Whether the fused kernel can take a step of these parameters here, and if not, why ("" = it can).
std::string fused_adam_unavailable(const std::vector<torch::Tensor>& params);

}  // namespace mno::train
