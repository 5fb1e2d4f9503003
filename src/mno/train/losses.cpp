#include "mno/train/losses.h"

#include <fmt/ranges.h>

#include "mno/core/error.h"

namespace mno::train {

torch::Tensor mean_squared_error(const torch::Tensor& prediction, const torch::Tensor& target) {
  return (prediction - target).pow(2).mean();
}

torch::Tensor relative_l2_error(const torch::Tensor& prediction, const torch::Tensor& target) {
  const int64_t b = prediction.size(0);
  const torch::Tensor diff = (prediction - target).reshape({b, -1}).norm(2, 1);
  const torch::Tensor norm = target.reshape({b, -1}).norm(2, 1);
  return (diff / norm).mean();
}

torch::Tensor loss_by_name(const std::string& name, const torch::Tensor& prediction, const torch::Tensor& target) {
  check(prediction.sizes() == target.sizes(), "loss: prediction {} and target {} differ in shape",
        fmt::join(prediction.sizes(), "x"), fmt::join(target.sizes(), "x"));
  if (name == "mse") return mean_squared_error(prediction, target);
  if (name == "rel_l2") return relative_l2_error(prediction, target);
  throw mismatch_error("train.loss", "mse or rel_l2", "'" + name + "'");
}

}  // namespace mno::train
