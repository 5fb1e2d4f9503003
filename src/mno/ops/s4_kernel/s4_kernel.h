#pragma once
// The S4 kernel's generating function as an op (docs/ssm.md): for the bilinear-discretised
// diagonal-plus-low-rank system of every channel h,
//   G_h(ω) = C_h (I − Ā_h ω)⁻¹ B̄_h = Δ_h · C_h ((1−ω) I − s (Λ_h − P̃_h P̃_h*))⁻¹ B_h,  s = Δ_h (1+ω)/2,
// evaluated by the Woodbury identity (one rank-1 correction) and Cauchy sums over the N/2 kept
// eigenvalues and their conjugates (docs/ssm.md derives it). ssm/s4 builds the kernel from it.
//
// Contract:
//   Lambda, P, B, C  [H, N/2] complex (float or double), the same shape;
//   dt               [H] real, positive and finite;
//   omega            [K] complex (or real, taken as complex): the frequencies;
//   returns          [H, K] complex, differentiable in Lambda, P, B, C and dt.
// Anything else is an mno::Error naming the tensor and the shape expected.
//
// The pieces: the plain formula (reference.cpp, every intermediate [H, K, N/2] at once: the
// oracle) and the blocked op (blocked.cpp: a block of frequencies at a time, forward and
// backward, so memory is O(H·(N + K)) plus one block, never O(H·K·N)).
#include <cstdint>

#include <torch/torch.h>

namespace mno::ops {

// Σ over conjugate pairs of the Cauchy sums: for every channel h and frequency k,
//   Σ_n v_n / (num_k − s_hk λ_hn) + conj(v_n) / (num_k − s_hk conj(λ_hn)).
// v, lambda: [H, n] complex; num: [K] complex; s: [H, K] complex. Returns [H, K].
torch::Tensor cauchy_pairs(const torch::Tensor& v, const torch::Tensor& lambda, const torch::Tensor& num,
                           const torch::Tensor& s);

// G(ω) [H, K], `frequencies_per_block` frequencies at a time (0: automatic, ~32 MB per
// intermediate). With C̃ at the roots of unity it is the DFT of the length-L kernel; with C at
// ω = e^{−iθ} it is e^{iθ}·H(e^{iθ}), the transfer function up to a unit factor.
torch::Tensor s4_generating_function(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                                     const torch::Tensor& C, const torch::Tensor& dt, const torch::Tensor& omega,
                                     int64_t frequencies_per_block = 0);

// The plain formula, all frequencies at once, with no checks: the oracle of the tests.
torch::Tensor s4_generating_function_reference(const torch::Tensor& Lambda, const torch::Tensor& P,
                                               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& dt,
                                               const torch::Tensor& omega);

}  // namespace mno::ops
