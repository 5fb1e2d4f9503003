#pragma once
// The standard Mamba block (seed 001; Gu & Dao): in_proj (expand 2) -> causal depthwise conv1d ->
// SiLU -> selective SSM (input-dependent Δ, B, C; one direction) -> y ⊙ SiLU(z) -> out_proj.
// The gate is fused into the scan op (its z input). No residual or norm: the host adds those.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "mno/nn/s6_init.h"

namespace mno::nn {

struct MambaBlockOptions {
  int64_t d_model = 0;
  int64_t d_state = 16;
  int64_t d_conv = 4;
  double expand = 2.0;
  int64_t dt_rank = 0;  // 0 = auto
  bool conv_bias = true;
  bool bias = false;    // in_proj / out_proj bias
  DtInit dt;

  // Keys: d_state, d_conv, expand, dt_rank (integer or "auto"), conv_bias, bias, dt_min, dt_max, dt_init_floor.
  static MambaBlockOptions from_config(const ConfigNode& node, int64_t d_model);
  int64_t d_inner() const;
  int64_t rank() const { return dt_rank > 0 ? dt_rank : auto_dt_rank(d_model); }
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
