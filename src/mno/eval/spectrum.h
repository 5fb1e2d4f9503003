#pragma once
// Radial (shell-summed) energy spectrum of a 2-D field, for comparing how well a model keeps the
// small scales (predicted vs true spectra on log-log axes).
#include <vector>

#include <torch/torch.h>

namespace mno::eval {

// field: [H, W], or [N, H, W] (the N spectra are averaged). With F = FFT2(field) (unnormalised)
// and the signed integer frequencies kx ∈ (−H/2, H/2], ky ∈ (−W/2, W/2] (FFT indices wrapped),
//   E(k) = mean_n Σ_{round(√(kx² + ky²)) = k} |F_n(kx, ky)|² / (H·W)²,   k = 0 … min(H, W)/2.
// The normalisation makes it Parseval-exact: Σ_k E(k) = mean_n mean_grid field² for a field whose
// modes all lie in the disk |k| < min(H, W)/2 + 1/2; modes outside it (the corners of the square
// of frequencies) are left out, as in the usual turbulence spectra. A sine of amplitude a with
// frequency (kx, ky) puts a²/2 into shell round(√(kx² + ky²)); a constant c puts c² into shell 0.
// Throws mno::Error for a tensor that is not [H, W] / [N, H, W], floating-point, non-empty, finite.
std::vector<double> radial_energy_spectrum(const torch::Tensor& field);

}  // namespace mno::eval
