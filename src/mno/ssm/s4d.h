#pragma once
// S4D (docs/ssm.md): a diagonal complex state matrix, kept as N/2 conjugate pairs so that the
// kernel is real: K_l = 2·Re Σ_n C_n B̄_n Ā_n^l, with Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A · B (ZOH,
// closed form). The powers Ā_n^l are never formed by repeated multiplication: the Vandermonde
// matrix is exp(ΔA_n · l), one exponential per entry.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::ssm {

enum class S4dInit { lin, inv };

// "lin" | "inv"; anything else is an mno::Error.
S4dInit parse_s4d_init(const std::string& name);

// The N/2 eigenvalues (one of each conjugate pair) of the S4D initialisations, complex double:
//   S4D-Lin: A_n = −1/2 + iπn          S4D-Inv: A_n = −1/2 + i (N/π)(N/(2n+1) − 1)
// n = 0 .. N/2 − 1; N must be even and >= 2.
torch::Tensor s4d_init_eigenvalues(S4dInit init, int64_t n);

// The Vandermonde kernel. A, B, C: [H, N/2] complex (one of each conjugate pair), dt: [H] real > 0.
// Returns K [H, L] real: K_l = 2·Re Σ_n C_n B̄_n exp(ΔA_n l).
torch::Tensor s4d_kernel(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C,
                         const torch::Tensor& dt, int64_t length);

}  // namespace mno::ssm
