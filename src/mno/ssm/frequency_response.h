#pragma once
// The frequency response of a discretised LTI SSM (docs/ssm.md): its transfer function on the
// unit circle, H(e^{iθ}) = C (e^{iθ} I − Ā)⁻¹ B̄ + D, θ in [0, π] (the DFT of its kernel, which is
// how a layer filters a sequence: |H| > 1 amplifies that frequency, |H| < 1 damps it). An S6
// layer is not time-invariant; frozen at one input position its Δ, B, C make an LTI system,
// which is what `mno analyze ssm` draws, averaged over positions and inputs.
#include <cstdint>

#include <torch/torch.h>

namespace mno::ssm {

// The angles θ_k = π k/(points − 1), k = 0 .. points−1 (points >= 2), double.
torch::Tensor response_angles(int64_t points);

// Diagonal systems: Ā, W [..., n] complex with W = C ⊙ B̄ (the residues), theta [F] real.
// pairs: Ā and W hold one of each conjugate pair, whose partner is added (S4, S4D); otherwise the
// states are used as they are (S6's real diagonal). Returns H [..., F] complex (D not included).
torch::Tensor diagonal_response(const torch::Tensor& Abar, const torch::Tensor& W, const torch::Tensor& theta, bool pairs);

// The S6 system frozen at each position: A [E, N] (real, negative), delta [batch, E, L] (after
// softplus), B, C [batch, N, L] (one direction). Ā = exp(ΔA), B̄ = ΔB (the scan's discretisation).
// Returns |H| [E, F] averaged over batch and positions, double.
torch::Tensor s6_frozen_magnitude(const torch::Tensor& A, const torch::Tensor& delta, const torch::Tensor& B,
                                  const torch::Tensor& C, const torch::Tensor& theta);

}  // namespace mno::ssm
