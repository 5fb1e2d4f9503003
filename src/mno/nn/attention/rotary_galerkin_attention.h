#pragma once
// OFormer's Galerkin-type linear attention (docs/models.md, `rotary_galerkin`), self and cross:
//   q, k, v = bias-free projections to H heads of d_h;
//   k, v normalised per token over their d_h features (InstanceNorm1d on the ((b·h), n, d_h)
//   layout, affine off, eps 1e-5);
//   2-D rotary embedding on q and k (rotary_scale, min_freq);
//   out = q (kᵀ v) / n;  heads concatenated; to_out Linear(H·d_h → D) unless out_proj is false.
// Init: each head's block orthogonal with gain 1/d_h plus (1/d_h)·I, on Q only (self) or on
// Q, K and V (cross), as OFormer does.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "mno/nn/blocks/rotary.h"

namespace mno::nn {

struct RotaryGalerkinOptions {
  int64_t d_model = 0;
  bool cross = false;
  int64_t heads = 1;
  int64_t head_dim = 0;   // 0 = d_model / heads
  double rotary_scale = 1;  // 0 = no rotary embedding
  double min_freq = 1.0 / 64.0;
  bool out_proj = true;

  // Keys: heads, head_dim, rotary_scale, min_freq, out_proj.
  static RotaryGalerkinOptions from_config(const ConfigNode& node, int64_t d_model, bool cross);
};

class RotaryGalerkinAttentionImpl : public TokenMixerImpl {
 public:
  explicit RotaryGalerkinAttentionImpl(const RotaryGalerkinOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;

  torch::nn::Linear to_q{nullptr}, to_kv{nullptr}, to_out{nullptr};

 private:
  RotaryGalerkinOptions options_;
};

}  // namespace mno::nn
