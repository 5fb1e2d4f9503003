#pragma once
// What every attention mixer shares: head splitting, input checks, the config-key helpers and
// the authors' initialisations (docs/models.md, `softmax` key `init`).
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"

namespace mno::nn {

// [B, L, H·d] -> [B, H, L, d] and back.
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

// Checks x (and context, for cross mixers) are [B, L, d_model] and that a self mixer got no
// context / a cross mixer got one; `mixer` names the layer in the message.
void check_attention_inputs(const std::string& mixer, const torch::Tensor& x, const torch::Tensor& context,
                            int64_t d_model, bool cross);
// Checks pos is [B, L, dims] for the tokens of `tokens`; `why` says what needs it.
void check_positions(const std::string& mixer, const torch::Tensor& pos, const torch::Tensor& tokens, int64_t dims,
                     const std::string& why);

// "<file>: key 'model.mixer.heads'" — the `where` of mismatch_error for a config key.
std::string key_where(const ConfigNode& node, const std::string& key);
// Reads a positive integer key; `fallback` when absent.
int64_t positive_key(const ConfigNode& node, const std::string& key, int64_t fallback);
// Reads `head_dim` (default d_model / heads, which must then divide evenly).
int64_t head_dim_key(const ConfigNode& node, int64_t d_model, int64_t heads);

// GT (Galerkin Transformer) init of a square projection: xavier_uniform(gain) + diagonal·I.
void xavier_with_diagonal_(torch::Tensor weight, double gain, double diagonal);
// OFormer init: every head's [d_h, D] row block orthogonal with `gain`, plus diagonal·I on its
// leading square; applied to the first `blocks` blocks of `weight` ([blocks_total·H·d_h, D]).
void orthogonal_heads_(torch::Tensor weight, int64_t heads, int64_t head_dim, double gain, double diagonal,
                       int64_t blocks);

}  // namespace mno::nn

namespace mno::nn {

// One LayerNorm(d) per head, applied to [B, H, L, d] (GT's per-head norms, docs/models.md):
// the affine parameters are stored as [H, d] so all heads are normalised in one call.
class PerHeadLayerNormImpl : public torch::nn::Module {
 public:
  PerHeadLayerNormImpl(int64_t heads, int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;  // [H, d]

 private:
  int64_t dim_;
  double eps_;
};
TORCH_MODULE(PerHeadLayerNorm);

}  // namespace mno::nn
