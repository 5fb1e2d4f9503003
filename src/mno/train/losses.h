#pragma once
// Training losses (docs/training.md, `train.loss`): every host trains with MSE; relative L2 (mean over
// samples of ‖p − y‖₂ / ‖y‖₂, the authors' LpLoss.rel) is offered as the alternative.
#include <string>

#include <torch/torch.h>

namespace mno::train {

torch::Tensor mean_squared_error(const torch::Tensor& prediction, const torch::Tensor& target);
torch::Tensor relative_l2_error(const torch::Tensor& prediction, const torch::Tensor& target);
// "mse" or "rel_l2"; tensors [B, ...].
torch::Tensor loss_by_name(const std::string& name, const torch::Tensor& prediction, const torch::Tensor& target);

}  // namespace mno::train
