#include "mno/ssm/s4.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "mno/core/error.h"
#include "mno/ssm/hippo.h"
#include "mno/ops/s4_kernel/s4_kernel.h"

namespace mno::ssm {
namespace {

torch::Tensor expand_pairs(const torch::Tensor& half) { return torch::cat({half, torch::conj(half)}, -1); }

}  // namespace

Dplr dplr_legs(int64_t n) {
  check(n >= 2 && n % 2 == 0, "S4: the state size N must be even and at least 2 (N/2 conjugate pairs), found {}", n);
  const auto h = hippo(Measure::legs, n);
  const auto P = torch::sqrt(torch::arange(n, torch::kDouble) + 0.5);
  // A + P Pᵀ = −I/2 + S with S skew-symmetric; iS is Hermitian, so eigh diagonalises it.
  const auto S = h.A + torch::outer(P, P) + 0.5 * torch::eye(n, torch::kDouble);
  const auto iS = torch::complex(torch::zeros_like(S), S);
  auto [mu, V] = torch::linalg_eigh(iS);  // S V = V·(−iμ), ascending μ
  // The eigenvalues of S are −iμ: the first N/2 (μ < 0) have positive imaginary part; the last
  // N/2 are their conjugates with conjugate eigenvectors.
  const auto Vh = V.narrow(1, 0, n / 2);
  const auto Lambda = torch::complex(torch::full({n / 2}, -0.5, torch::kDouble), -mu.narrow(0, 0, n / 2));
  const auto Pc = torch::complex(P, torch::zeros_like(P));
  const auto Bc = torch::complex(h.B, torch::zeros_like(h.B));
  return {Lambda, torch::matmul(Vh.conj().t(), Pc), torch::matmul(Vh.conj().t(), Bc), Vh};
}

torch::Tensor s4_kernel(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                        const torch::Tensor& C_tilde, const torch::Tensor& dt, int64_t length,
                        int64_t frequencies_per_block) {
  check(length >= 1, "S4 kernel: the length L must be at least 1, found {}", length);
  // The rfft bins: ω_k = exp(−2πik/L), k = 0 .. L/2.
  const auto k = torch::arange(length / 2 + 1, torch::TensorOptions().dtype(dt.scalar_type()).device(dt.device()));
  const auto angle = -2 * M_PI / double(length) * k;
  const auto omega = torch::complex(torch::cos(angle), torch::sin(angle));
  return torch::fft::irfft(ops::s4_generating_function(Lambda, P, B, C_tilde, dt, omega, frequencies_per_block), length, -1);
}

DenseSsm s4_dense(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B, const torch::Tensor& C) {
  const auto L = expand_pairs(Lambda), Pf = expand_pairs(P);
  const auto A = torch::diag_embed(L) - Pf.unsqueeze(-1) * torch::conj(Pf).unsqueeze(-2);
  return {A, expand_pairs(B), expand_pairs(C)};
}

namespace {
torch::Tensor identity_minus_power(const torch::Tensor& Abar, int64_t length) {
  const auto I = torch::eye(Abar.size(-1), Abar.options()).expand_as(Abar);
  return I - torch::linalg_matrix_power(Abar, length);
}
}  // namespace

torch::Tensor c_tilde_from_c(const torch::Tensor& Abar, const torch::Tensor& C, int64_t length) {
  return torch::matmul(C.unsqueeze(-2), identity_minus_power(Abar, length)).squeeze(-2);
}

torch::Tensor c_from_c_tilde(const torch::Tensor& Abar, const torch::Tensor& C_tilde, int64_t length) {
  // C (I − Ā^L) = C̃  ⇔  (I − Ā^L)ᵀ Cᵀ = C̃ᵀ.
  const auto M = identity_minus_power(Abar, length).transpose(-1, -2);
  return torch::linalg_solve(M, C_tilde.unsqueeze(-1)).squeeze(-1);
}

}  // namespace mno::ssm
