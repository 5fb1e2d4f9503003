#pragma once
// The selective scan (S6) — the op at the heart of Mamba and of MNO (docs/scan.md).
//
// Contract: selective_scan(u, delta, A, B, C, D?, delta_bias?, z?, options) -> y
//
//   K = options.directions (1, 2 or 4); E = u-channels; C = K·E scan channels, stacked direction-major
//   exactly as the authors stack them: channel c = k·E + e is direction k of u-channel e.
//
//   u          [batch, E, L]        float32/float64/bfloat16/float16; shared by the K directions
//   delta      [batch, C, L]        floating
//   A          [C, N]               float32/float64 (real; S4D-real init makes it negative)
//   B, C       [batch, G, N, L]     input-dependent; channel c uses group c / (C/G) (G = K in MNO)
//           or [C, N]               time-invariant
//   D          [C]                  optional skip:      y += D[c]·u
//   delta_bias [C]                  optional:           Δ = delta + delta_bias (then softplus if asked)
//   z          [batch, E, L]        optional gate:      y = y·SiLU(z) (standard Mamba)
//
//   Per direction k the op walks the positions in k's order — 0: 0..L-1; 1 (K=2): reversed;
//   for K=4 on an H×W grid (row-major flat index i·W + j): 0 row-major, 1 column-major,
//   2 and 3 their reverses — and runs, at each visited position p,
//       Δ = softplus(delta[c,p] + delta_bias[c])            (threshold 20, as mamba_ssm)
//       h = exp(Δ·A[c,:]) ⊙ h + Δ·B[:,p]·u[e,p]
//       y_k[e,p] = C[:,p]·h + D[c]·u[e,p]
//   y[e,p] = Σ_k y_k[e,p] (times SiLU(z[e,p]) if z is given). delta, B and C are indexed by the
//   original position p for every direction: the projections that make them commute with a flip,
//   so a layer computes them once on the unflipped sequence. Nothing is flipped in memory.
//
//   Output y: [batch, E, L] in u's dtype. With return_last_state, also the state at the end of
//   each channel's walk, [batch, C, N] (not differentiable).
//
// Everything that does not match is rejected with mno::Error naming the tensor, the expected and
// the found shape/dtype/device. Computation is in fp32 (fp64 when u is fp64) whatever the input
// dtype. Gradients flow to u, delta, A, B, C, D, delta_bias and z.
#include <cstdint>

#include <torch/torch.h>

#include "mno/ops/selective_scan/problem.h"

namespace mno::ops {

struct ScanOptions {
  int64_t directions = 1;   // 1, 2 or 4
  int64_t height = 0;       // grid height for directions = 4 (height·width must equal L)
  int64_t width = 0;        // grid width  for directions = 4
  bool delta_softplus = false;
  bool return_last_state = false;
};

struct ScanResult {
  torch::Tensor y;           // [batch, E, L]
  torch::Tensor last_state;  // [batch, C, N] when options.return_last_state, else undefined
};

// The differentiable op: picks the fast CPU (or, where built, CUDA) path by device.
ScanResult selective_scan(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                          const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D = {},
                          const torch::Tensor& delta_bias = {}, const torch::Tensor& z = {},
                          const ScanOptions& options = {});

// The oracle: the same maths written plainly with LibTorch ops in the inputs' dtype (pass double
// for tests), directions done the naive way with explicit flips/transposes, the state
// materialised as [batch, C, L, N] like mamba_ssm's selective_scan_ref. Differentiable through
// LibTorch autograd. Never optimised; also the "what a user without a kernel writes" baseline.
ScanResult selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                    const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D = {},
                                    const torch::Tensor& delta_bias = {}, const torch::Tensor& z = {},
                                    const ScanOptions& options = {});

// Checks every tensor against the contract; throws mno::Error on the first violation.
ScanShape validate_scan_inputs(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                               const torch::Tensor& delta_bias, const torch::Tensor& z, const ScanOptions& options);

// The order in which direction k visits positions: result[k][t] = position visited at step t.
// [K, L] int64 tensor (CPU).
torch::Tensor direction_walks(int64_t directions, int64_t length, int64_t height, int64_t width);

}  // namespace mno::ops
