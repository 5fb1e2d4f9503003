#pragma once
// The model registry (docs/architecture.md): every neural operator is built by make_model from a config
// node {name: gt|oformer|gnot|fno, mixer: {...}, <the model's keys>} (docs/models.md).
//
// One calling convention for all of them, on a 2-D grid of L = H·W points in row-major order
// (docs/models.md, "Calling convention"):
//   features [B, L, in_channels]  the input function's values at the points (no coordinates)
//   pos      [B, L, 2]            the points' coordinates
//   grid     H × W                (0 × 0: a square grid, H = W = √L)
//   -> [B, L, out_channels]       (time-dependent outputs: step-major, then channel)
// Each model builds its own input features from these (GNOT's trunk and branch, GT's [f, pos], ...).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "mno/nn/parameter_counts.h"

namespace mno::models {

using nn::TokenGrid;

class NeuralOperatorImpl : public torch::nn::Module {
 public:
  NeuralOperatorImpl(std::string name, int64_t in_channels, int64_t out_channels)
      : name_(std::move(name)), in_channels_(in_channels), out_channels_(out_channels) {}
  virtual torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& pos,
                                const TokenGrid& grid = {}) = 0;
  // Architecture summary, one component per line.
  virtual std::string summary() const = 0;

  const std::string& name() const { return name_; }
  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }

 protected:
  // Checks features/pos against in_channels and each other; returns the grid (resolved to a
  // square one when not given; a scattered one as it is) or throws naming the tensor.
  TokenGrid check_inputs(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& grid) const;

 private:
  std::string name_;
  int64_t in_channels_, out_channels_;
};
using NeuralOperator = std::shared_ptr<NeuralOperatorImpl>;

using ModelFactory = std::function<NeuralOperator(const ConfigNode& node)>;

// Builds the model named by node's `name`. Unknown names and unknown keys are errors naming the key.
NeuralOperator make_model(const ConfigNode& node);
void register_model(const std::string& name, ModelFactory factory);
std::vector<std::string> model_names();

// `mno info model`: the summary, then "trainable parameters: N" (and frozen ones, if any).
std::string describe_model(const NeuralOperatorImpl& model);

}  // namespace mno::models
