#pragma once
// The authors' S6 token mixers (docs/layers.md): SelectiveScan2d (SS2D, "self") and
// CrossSelectiveScan2d (Cross SS2D), with K = 2 (forward + reversed raster) or K = 4 (row,
// column and both reversed) directions.
//
// Forward (self), x: [B, L, D]:
//   xz = SiLU(in_proj(x)); x_s, z = split(xz)                    (SiLU on both halves)
//   x_dbl[k] = x_proj_weight[k] · x_s      (+ ref_proj_weight[k] · r_s for cross)
//   Δ[k] = dt_projs_weight[k] · x_dbl[k][:R];  B[k], C[k] = the next N, N rows
//   y = selective_scan(x_s, Δ, -exp(A_logs), B, C, Ds, dt_projs_bias, directions K, softplus)
//   out = out_proj(LayerNorm(y) ⊙ z)
// The projections are computed once on the unflipped sequence; the scan op walks each direction
// by index map (equal to the authors' flip → project → scan → flip back → sum; tested).
// With `order` other than index (scan_order.h), the tokens are sorted along a curve through pos
// first and the output put back in their order: every step but the scan is per token. K = 4 with
// such an order scans two curves, the curve and its transpose (coordinates swapped), each both
// ways: directions 0 and 2 walk the curve forwards and backwards, 1 and 3 the transposed one, as
// on a grid 0 and 2 walk its rows and 1 and 3 its columns (raster on a grid's points is exactly
// the grid's 4-direction scan; tested).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "mno/nn/mixer.h"
#include "mno/nn/s6/s6_options.h"

namespace mno::nn {

// What SS2D and Cross SS2D share: every parameter but the context projection, and the scan core.
class SelectiveScan2dBase : public TokenMixerImpl, public SsmProbe {
 public:
  explicit SelectiveScan2dBase(const S6MixerOptions& options);
  const S6MixerOptions& options() const { return options_; }

  // The S6 system frozen at (at most 256 evenly spaced) positions of each forward, averaged
  // (s6_probe.cpp).
  SsmProbe* ssm_probe() override { return this; }
  std::string ssm_kind() const override { return "s6"; }
  void start_recording(const torch::Tensor& theta) override;
  void stop_recording() override;
  torch::Tensor response_magnitude(const torch::Tensor& theta, int64_t length) override;

  torch::nn::Linear in_proj{nullptr};
  torch::Tensor x_proj_weight;    // [K, R + 2N, E]
  torch::Tensor dt_projs_weight;  // [K, E, R]
  torch::Tensor dt_projs_bias;    // [K, E]
  torch::Tensor A_logs;           // [K·E, N]
  torch::Tensor Ds;               // [K·E]
  torch::nn::LayerNorm out_norm{nullptr};
  torch::nn::Linear out_proj{nullptr};

  // Called, when set, with each forward's selection: Δ after bias and softplus [B, K·E, L], B and
  // C [B, K, N, L]. How `mno analyze ssm` sees the system frozen at each position.
  std::function<void(const torch::Tensor& delta, const torch::Tensor& B, const torch::Tensor& C)> selection_probe;

 protected:
  // in_proj(x) as the scan input SiLU(x_s) [B, E, L] and the gate's pre-activation z [B, L, E]
  // (its SiLU is applied with the norm), each by its own GEMM on its half of in_proj's rows,
  // written in the layout its reader wants.
  std::pair<torch::Tensor, torch::Tensor> project_input(const torch::Tensor& x);
  // The scan-input half alone, [B, E, L] (Cross SS2D's context has no gate).
  torch::Tensor project_scan_input(const torch::Tensor& x) const;
  // The gate half alone, z [B, L, E] (K = 4 along two curves gates once, in the tokens' order).
  torch::Tensor project_gate(const torch::Tensor& x) const;
  // [K, R+2N, E] weights applied to u [B, E, L] -> [B, K, R+2N, L].
  torch::Tensor project_selection(const torch::Tensor& weight, const torch::Tensor& u) const;
  // Δ/B/C from x_dbl, the scan, LayerNorm, gate, out_proj.
  torch::Tensor scan_and_output(const torch::Tensor& u, const torch::Tensor& x_dbl, const torch::Tensor& z_pre,
                                const TokenGrid& grid);
  // The selection x_dbl [B, |dirs|, R+2N, L] of directions `dirs` from u [B, E, L] and, for the
  // cross form, the context's scan input r with ref_weight (undefined for the self form).
  torch::Tensor select_directions(const std::vector<int64_t>& dirs, const torch::Tensor& u, const torch::Tensor& r,
                                  const torch::Tensor& ref_weight) const;
  // K = 4 with a curve order: x (and the context) [B, L, D] scanned along the curve and along its
  // transpose; the output [B, L, D] in the tokens' own order.
  torch::Tensor scan_two_curves(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& ref_weight,
                                const torch::Tensor& pos, const std::string& who);
  bool two_curves() const { return options_.directions == 4 && options_.order != ScanOrder::index; }
  void check_tokens(const torch::Tensor& x, const char* name) const;

  S6MixerOptions options_;

 private:
  // What the scan of directions `dirs` (in the order the op walks them) was given: Δ after bias
  // and softplus [B, |dirs|·E, L], B and C [B, |dirs|, N, L] (for selection_probe).
  struct Selection {
    torch::Tensor delta, B, C;
  };
  // Δ/B/C of directions `dirs` from their x_dbl, and the scan: y [B, E, L], summed over them.
  torch::Tensor scan_directions(const torch::Tensor& u, const torch::Tensor& x_dbl, const std::vector<int64_t>& dirs,
                                const TokenGrid& grid, Selection* seen);
  // LayerNorm(y) ⊙ SiLU(z), out_proj: y and z_pre [B, L, E] token-major.
  torch::Tensor output(const torch::Tensor& y, const torch::Tensor& z_pre);

  torch::Tensor recorded_sum_;  // [K·E, angles] float64, CPU
  int64_t recorded_forwards_ = 0;
};

class SelectiveScan2dImpl : public SelectiveScan2dBase {
 public:
  explicit SelectiveScan2dImpl(const S6MixerOptions& options) : SelectiveScan2dBase(options) {}
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;
};

// Cross SS2D: the selection (Δ, B, C) comes from query and context together; only the query is
// scanned and gated. Context and query must have the same length (position l pairs with l).
class CrossSelectiveScan2dImpl : public SelectiveScan2dBase {
 public:
  explicit CrossSelectiveScan2dImpl(const S6MixerOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {}, const torch::Tensor& pos = {},
                        const TokenGrid& grid = {}) override;
  std::string describe() const override;

  torch::Tensor ref_proj_weight;  // [K, R + 2N, E]
};

}  // namespace mno::nn
