#pragma once
// Scaled dot-product (softmax) attention, self and cross, by LibTorch's fused kernel where it has
// one, else in query blocks (ops/blocked_attention/blocked_attention.h; key `kernel`). One class covers the three hosts' "standard" attentions; their
// differences are keys, set per host by the model (docs/models.md):
//   GNOT:    8 heads, q/k/v with bias, output projection.
//   GT:      per-head LayerNorm on q and k (qk_norm), positions concatenated (pos_dim 2),
//                   xavier(0.01) + 0.01·I init (init: gt).
//   OFormer: no q/k/v bias; cross form with 2-D rotary on q and k (rotary_scale) and
//                   orthogonal init; output projection off when one head spans d_model.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/attention/attention_common.h"
#include "mno/nn/mixer.h"
#include "mno/nn/blocks/rotary.h"

namespace mno::nn {

struct SoftmaxAttentionOptions {
  int64_t d_model = 0;
  bool cross = false;
  int64_t heads = 8;
  int64_t head_dim = 0;       // 0 = d_model / heads
  bool qkv_bias = true;
  bool qk_norm = false;       // per-head LayerNorm on q and k
  double norm_eps = 1e-7;
  int64_t pos_dim = 0;        // positions concatenated in front of q, k, v (GT)
  double rotary_scale = 0;    // 0 = no rotary; else 2-D rotary on q, k (OFormer)
  double min_freq = 1.0 / 64.0;
  bool out_proj = true;       // Linear(H·(d_h + pos_dim) → D); false needs that width to equal D
  std::string init = "default";  // default | gt | orthogonal
  int64_t chunk = 0;          // query rows per block, 0 = automatic
  bool always_on_dropout = false;  // [quirk] dropout p = 0.5 on the probabilities, always
  std::string kernel = "auto";     // auto | blocked | fused (ops/blocked_attention/blocked_attention.h)

  // Keys: heads, head_dim, qkv_bias, qk_norm, norm_eps, pos_dim, rotary_scale, min_freq, out_proj,
  // init, chunk, always_on_dropout, kernel.
  static SoftmaxAttentionOptions from_config(const ConfigNode& node, int64_t d_model, bool cross);
  int64_t width() const { return heads * (head_dim + pos_dim); }
};

class SoftmaxAttentionImpl : public TokenMixerImpl {
 public:
  explicit SoftmaxAttentionImpl(const SoftmaxAttentionOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;
  bool prefers_pre_norm() const override { return true; }

  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, to_out{nullptr};
  PerHeadLayerNorm norm_q{nullptr}, norm_k{nullptr};

 private:
  SoftmaxAttentionOptions options_;
};

}  // namespace mno::nn
