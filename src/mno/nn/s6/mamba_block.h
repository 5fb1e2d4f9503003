#pragma once
// The standard Mamba block (seed 001; Gu & Dao): in_proj (expand 2) -> causal depthwise conv1d ->
// SiLU -> selective SSM (input-dependent Δ, B, C; one direction) -> y ⊙ SiLU(z) -> out_proj.
// The gate is fused into the scan op (its z input). No residual or norm: the host adds those.
// With `order` other than index (scan_order.h) the block runs on the tokens sorted along a curve.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "mno/nn/s6/s6_options.h"

namespace mno::nn {

struct MambaBlockOptions {
  S6MixerOptions s6;  // d_model, d_state, expand, dt_rank, Δ init (directions unused: one direction)
  int64_t d_conv = 4;
  bool conv_bias = true;
  bool bias = false;  // in_proj / out_proj bias

  // Keys: those of S6MixerOptions, plus d_conv, conv_bias, bias.
  static MambaBlockOptions from_config(const ConfigNode& node, int64_t d_model);
};

class MambaBlockImpl : public TokenMixerImpl {
 public:
  explicit MambaBlockImpl(const MambaBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;
  const MambaBlockOptions& options() const { return options_; }

  torch::nn::Linear in_proj{nullptr};
  torch::nn::Conv1d conv1d{nullptr};
  torch::nn::Linear x_proj{nullptr};
  torch::nn::Linear dt_proj{nullptr};
  torch::Tensor A_log;  // [E, N]
  torch::Tensor D;      // [E]
  torch::nn::Linear out_proj{nullptr};

 private:
  MambaBlockOptions options_;
};

}  // namespace mno::nn
