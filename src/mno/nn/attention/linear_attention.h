#pragma once
// GNOT's normalised linear attention (docs/models.md, `linear`), self and cross. Per head:
//   q̂ = softmax_features(q), k̂ = softmax_features(k)
//   out = q̂ (k̂ᵀ v) / (q̂ · Σ_tokens k̂) + q̂        (q̂ is added back inside, as GNOT does)
// then heads are concatenated and projected by Linear(D, D). q comes from x; k and v from x (self)
// or from the context (cross).
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"

namespace mno::nn {

class LinearAttentionImpl : public TokenMixerImpl {
 public:
  // Keys: heads (8; must divide d_model).
  LinearAttentionImpl(const ConfigNode& node, int64_t d_model, bool cross);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, proj{nullptr};

 private:
  int64_t d_model_, heads_;
  bool cross_;
};

}  // namespace mno::nn
