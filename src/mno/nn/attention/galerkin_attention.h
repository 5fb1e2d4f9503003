#pragma once
// The Galerkin Transformer's linear attentions (docs/models.md, `galerkin`, `fourier`), self only (GT is
// encoder-only):
//   galerkin: per-head LayerNorm on K and V;  out = Q · (Kᵀ V / L)
//   fourier:  per-head LayerNorm on Q and K;  out = (Q Kᵀ / L) · V, computed as Q · (Kᵀ V / L)
// Q, K, V = Linear(D, D) split into heads; the positions pos [B, L, pos_dim] are concatenated in
// front of every head's q, k and v after the norms, so heads are d_h + pos_dim wide and the
// output projection is Linear(H·(d_h + pos_dim) → D).
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/attention/attention_common.h"
#include "mno/nn/mixer.h"

namespace mno::nn {

struct GalerkinAttentionOptions {
  enum class Kind { galerkin, fourier } kind = Kind::galerkin;
  int64_t d_model = 0;
  int64_t heads = 4;
  int64_t pos_dim = 2;           // 0: positions are not concatenated
  double norm_eps = 1e-5;        // GT's script: 1e-5 for galerkin, 1e-7 for fourier
  double init_gain = 0.01;       // xavier_uniform gain on Q, K, V
  double diagonal_weight = 0.01; // + this · I on Q, K, V
  // [paper-code quirk, docs/models.md] functional dropout p = 0.5 on Kᵀ V / L, on even in eval mode (galerkin only).
  bool always_on_dropout = false;

  // Keys: heads, pos_dim, norm_eps, init_gain, diagonal_weight (+ always_on_dropout for galerkin).
  static GalerkinAttentionOptions from_config(const ConfigNode& node, int64_t d_model, Kind kind);
  int64_t head_dim() const { return d_model / heads; }
};

class GalerkinAttentionImpl : public TokenMixerImpl {
 public:
  explicit GalerkinAttentionImpl(const GalerkinAttentionOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;

  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, to_out{nullptr};
  PerHeadLayerNorm norm_a{nullptr}, norm_b{nullptr};  // K and V (galerkin) or Q and K (fourier)

 private:
  GalerkinAttentionOptions options_;
};

}  // namespace mno::nn
