#pragma once
// The structured-SSM token mixers `s4` and `s4d` (docs/ssm.md): linear time-invariant SSMs run in
// convolution mode over the 2-D raster, bi-directional like the S6 mixer (forward and reversed
// sequence, each with its own kernel), in the layout of the S4D paper's layer:
//   u = xᵀ [B, H = d_model, L]
//   y = Σ_direction K_dir * u  +  D ⊙ u           (K from the SSM, one per channel and direction;
//                                                  the reversed direction convolves the flipped
//                                                  sequence and flips back)
//   out = GLU(W · GELU(y))                          (W: d_model -> 2·d_model, as S4D's output_linear)
// The cross form (for hosts such as GNOT that ask for one; the S4 papers have none) filters the
// query plus a linear projection of the context, u = (x + W_c·context)ᵀ: an LTI system has no
// selection for the context to steer, so the context enters as input instead.
// The kernel and the FFT convolution run in fp32 whatever the autocast dtype.
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "mno/nn/mixer.h"
#include "mno/ssm/s4d.h"

namespace mno::nn {

struct StructuredSsmOptions {
  int64_t d_model = 0;
  int64_t d_state = 64;          // N (N/2 conjugate pairs are stored)
  double dt_min = 0.001, dt_max = 0.1;  // log-uniform initial Δ per channel
  ssm::S4dInit init = ssm::S4dInit::lin;  // s4d only
  bool cross = false;

  // Keys: d_state (even, 2..512), dt_min, dt_max, and for s4d `init: lin|inv`.
  static StructuredSsmOptions from_config(const ConfigNode& node, int64_t d_model, bool s4d, bool cross);
};

class StructuredSsm2dBase : public TokenMixerImpl, public SsmProbe {
 public:
  static constexpr int64_t kDirections = 2;
  explicit StructuredSsm2dBase(const StructuredSsmOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  const StructuredSsmOptions& options() const { return options_; }

  // The convolution kernels [directions · d_model, L] (direction-major), fp32.
  virtual torch::Tensor kernel(int64_t length) = 0;
  // The transfer function of every channel on the unit circle at angles theta (no D): complex
  // [directions · d_model, F]. `length` is the sequence length the layer runs at (S4's C̃ depends on it).
  virtual torch::Tensor frequency_response(const torch::Tensor& theta, int64_t length) = 0;

  SsmProbe* ssm_probe() override { return this; }
  // |frequency_response| on the CPU in float64.
  torch::Tensor response_magnitude(const torch::Tensor& theta, int64_t length) override;

  torch::Tensor log_dt;  // [K·H]
  torch::Tensor Ds;      // [K, H]
  torch::nn::Linear out_proj{nullptr};
  torch::nn::Linear context_proj{nullptr};  // cross form only

 protected:
  torch::Tensor dt() const { return torch::exp(log_dt); }
  StructuredSsmOptions options_;
};

// S4D: diagonal A = −exp(A_log_real) + i·A_imag per channel (S4D-Lin or S4D-Inv), B absorbed in C.
class S4dMixerImpl : public StructuredSsm2dBase {
 public:
  explicit S4dMixerImpl(const StructuredSsmOptions& options);
  torch::Tensor kernel(int64_t length) override;
  torch::Tensor frequency_response(const torch::Tensor& theta, int64_t length) override;
  std::string describe() const override;
  std::string ssm_kind() const override { return "s4d"; }
  torch::Tensor A() const;  // [K·H, N/2] complex

  torch::Tensor A_log_real, A_imag;  // [K·H, N/2]
  torch::Tensor C;                   // [K·H, N/2, 2] (real view of complex)
};

// S4: DPLR from HiPPO-LegS per channel, Λ = −exp(Lambda_log_real) + i·Lambda_imag, P, B, C̃ complex;
// kernel by Cauchy sums + Woodbury at the roots of unity.
class S4MixerImpl : public StructuredSsm2dBase {
 public:
  explicit S4MixerImpl(const StructuredSsmOptions& options);
  torch::Tensor kernel(int64_t length) override;
  torch::Tensor frequency_response(const torch::Tensor& theta, int64_t length) override;
  std::string describe() const override;
  std::string ssm_kind() const override { return "s4"; }
  torch::Tensor Lambda() const;

  torch::Tensor Lambda_log_real, Lambda_imag;  // [K·H, N/2]
  torch::Tensor P, B, C_tilde;                 // [K·H, N/2, 2] (real views of complex)
};

}  // namespace mno::nn
