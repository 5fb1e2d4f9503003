#pragma once
// The two ways of running a discretised LTI SSM over a sequence (docs/ssm.md): the recurrence
// x_k = Ā x_{k−1} + B̄ u_k, y_k = Re(C x_k) one step at a time (O(L) sequential steps, O(N)
// state: what generation and streaming use), and the convolution y = K * u with the kernel
// K_j = C Ā^j B̄ through an FFT (parallel over L: what training uses). They agree to rounding.
#include <cstdint>

#include <torch/torch.h>

namespace mno::ssm {

// Recurrent mode, dense: Ā [H, N, N], B̄ [H, N], C [H, N] (real or complex), u [batch, H, L] real.
// Returns y [batch, H, L] real (the real part when the system is complex).
torch::Tensor recurrent_dense(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C,
                              const torch::Tensor& u);

// Recurrent mode, diagonal with conjugate pairs (S4D): Ā, B̄, C [H, N/2] complex; y_k = 2·Re(C x_k).
torch::Tensor recurrent_diagonal(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C,
                                 const torch::Tensor& u);

// Convolution mode: y_k = Σ_{j<=k} K_j u_{k−j} for u [batch, H, L] and K [H, L], through real FFTs
// of length 2L (no wrap-around). Always computed in fp32 or fp64 (half inputs are promoted: FFTs
// of half precision are neither supported everywhere nor accurate), returned in u's dtype.
torch::Tensor fft_conv(const torch::Tensor& u, const torch::Tensor& K);

// The kernel by direct powers, K_j = Re(C Ā^j B̄) for j < L — O(N²L) work; the reference the
// Cauchy and Vandermonde kernels are tested and benchmarked against. Ā [H, N, N], B̄, C [H, N].
torch::Tensor direct_kernel(const torch::Tensor& Abar, const torch::Tensor& Bbar, const torch::Tensor& C, int64_t length);

}  // namespace mno::ssm
