#pragma once
// S4 (docs/ssm.md): HiPPO-LegS written as normal plus low rank, A = A_N − P Pᵀ with
// P_n = sqrt(n + 1/2) and A_N = −I/2 + S (S skew-symmetric), diagonalised by the unitary V of S:
// V* A V = Λ − P̃ P̃*, P̃ = V* P (DPLR). The eigenvalues come in conjugate pairs; one of each pair
// is kept (N/2 values) and the sums over the pair are formed explicitly, so the kernel is real.
//
// The kernel K_j = C Ā^j B̄ (j < L, bilinear Ā, B̄) is never built from powers of Ā: its
// truncated generating function Σ_j K_j ω^j = C̃ (I − Āω)⁻¹ B̄ with C̃ = C (I − Ā^L) is evaluated
// at the roots of unity ω_k = exp(−2πik/L) through the Woodbury identity (one rank-1 correction)
// and Cauchy sums Σ_n v_n / d_n(ω), then an inverse real FFT gives K. The bilinear transform
// makes (I − Āω)⁻¹ B̄ = Δ ((1−ω) I − s A)⁻¹ B with s = Δ(1+ω)/2; written this way (instead of
// S4's z = (2/Δ)(1−ω)/(1+ω)) nothing is infinite at ω = −1.
#include <cstdint>

#include <torch/torch.h>

#include "mno/ops/s4_kernel/s4_kernel.h"

namespace mno::ssm {

struct Dplr {
  torch::Tensor Lambda;  // [N/2] complex double: −1/2 + iω_n, ω_n > 0
  torch::Tensor P;       // [N/2] complex double: V* P
  torch::Tensor B;       // [N/2] complex double: V* B
  torch::Tensor V;       // [N, N/2] complex double: the eigenvectors kept (the rest are their conjugates)
};

// The DPLR form of HiPPO-LegS at even N >= 2 (an mno::Error otherwise).
Dplr dplr_legs(int64_t n);

// The S4 kernel [H, L] (real) of channels with Lambda, P, B, C̃ [H, N/2] complex and dt [H] > 0.
torch::Tensor s4_kernel(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                        const torch::Tensor& C_tilde, const torch::Tensor& dt, int64_t length,
                        int64_t frequencies_per_block = 0);

// The same system as dense complex matrices over the full N-dimensional eigenbasis (each pair
// expanded): A [H, N, N], B [H, N], C [H, N]; y = Re(C x). For the recurrent mode and the tests.
struct DenseSsm {
  torch::Tensor A, B, C;
};
DenseSsm s4_dense(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                  const torch::Tensor& C);

// C̃ = C (I − Ā^L) and back (C = C̃ (I − Ā^L)⁻¹) for dense Ā [H, N, N]; Ā^L by repeated squaring.
torch::Tensor c_tilde_from_c(const torch::Tensor& Abar, const torch::Tensor& C, int64_t length);
torch::Tensor c_from_c_tilde(const torch::Tensor& Abar, const torch::Tensor& C_tilde, int64_t length);

}  // namespace mno::ssm
