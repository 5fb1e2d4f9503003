#pragma once
// HiPPO (docs/ssm.md): the continuous-time (A, B) whose state c(t) holds the coefficients of the
// projection of a signal's history onto N orthonormal polynomials under a measure. With the
// normalised basis g_n = sqrt(2n+1)·P_n the three classic measures are:
//   LegS (scaled Legendre, uniform on [0, t]):   t·c'(t) = A c + B f(t)
//       A_nk = -sqrt(2n+1)sqrt(2k+1) (n > k), -(n+1) (n = k), 0 (n < k);  B_n = sqrt(2n+1)
//   LegT (translated Legendre, uniform on the window [t-θ, t], θ = 1):   c'(t) = A c + B f(t)
//       A_nk = -sqrt(2n+1)sqrt(2k+1)·(1 if n >= k else (-1)^(n-k));       B_n = sqrt(2n+1)
//   LagT (Laguerre, weight e^-(t-s) on (-inf, t]):   c'(t) = A c + B f(t)
//       A_nk = -1 (n >= k), 0 (n < k);  B_n = 1
// Reconstruction from c(t): LegS f(t·y) ≈ Σ c_n g_n(y), LegT f(t-θ+θy) ≈ Σ c_n g_n(y) (y in [0,1],
// g_n(y) = sqrt(2n+1) P_n(2y-1)), LagT f(t-x) ≈ Σ c_n L_n(x) (x >= 0, Laguerre polynomials).
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::ssm {

enum class Measure { legs, legt, lagt };

// "legs" | "legt" | "lagt"; anything else is an mno::Error naming the choices.
Measure parse_measure(const std::string& name);
std::string measure_name(Measure measure);

struct Hippo {
  torch::Tensor A;  // [N, N] double
  torch::Tensor B;  // [N] double
};

// The HiPPO matrices of `measure` at state size n >= 1 (an error otherwise).
Hippo hippo(Measure measure, int64_t n);

// The reconstruction basis evaluated at points: LegS/LegT at y in [0, 1] (g_n(y)), LagT at
// x >= 0 (L_n(x)). Returns [points, N] double, so that f ≈ basis · c.
torch::Tensor hippo_basis(Measure measure, int64_t n, const torch::Tensor& points);

}  // namespace mno::ssm
