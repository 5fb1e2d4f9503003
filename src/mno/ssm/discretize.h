#pragma once
// Discretisation of a continuous LTI SSM x' = A x + B u with step Δ into x_k = Ā x_{k-1} + B̄ u_k
// (docs/ssm.md). All four are the generalised bilinear transform family or its exact limit:
//   ZOH       Ā = exp(ΔA),  B̄ = A⁻¹(exp(ΔA) − I) B  — exact when u is held constant over each step
//   bilinear  Ā = (I − Δ/2 A)⁻¹(I + Δ/2 A),  B̄ = (I − Δ/2 A)⁻¹ Δ B          (GBT α = 1/2, order 2)
//   Euler     Ā = I + ΔA,  B̄ = Δ B                                          (GBT α = 0,   order 1)
//   GBT(α)    Ā = (I − αΔA)⁻¹(I + (1−α)ΔA),  B̄ = (I − αΔA)⁻¹ Δ B
// ZOH to first order in Δ is Euler (exp(ΔA) ≈ I + ΔA): MNO's Proposition 1 (docs/ssm.md).
#include <string>

#include <torch/torch.h>

namespace mno::ssm {

enum class Discretization { zoh, bilinear, euler };

// "zoh" | "bilinear" | "euler"; anything else is an mno::Error naming the choices.
Discretization parse_discretization(const std::string& name);
std::string discretization_name(Discretization method);

struct DiscreteSsm {
  torch::Tensor A;  // Ā, same shape as A
  torch::Tensor B;  // B̄, same shape as B
};

// Dense A [..., N, N], B [..., N] (or [..., N, M]); dt > 0 (an mno::Error naming Δ otherwise).
// ZOH uses the matrix exponential of the block matrix [[A, B], [0, 0]]·Δ, whose top row is
// [Ā, B̄]: no inverse of A, so a singular A (an integrator) is fine.
// dt: a number, or a tensor of A's batch shape (one step per system).
DiscreteSsm discretize(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& dt, Discretization method);
DiscreteSsm discretize(const torch::Tensor& A, const torch::Tensor& B, double dt, Discretization method);

// The generalised bilinear transform with parameter alpha in [0, 1] (0 Euler, 1/2 bilinear,
// 1 backward Euler).
DiscreteSsm discretize_gbt(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& dt, double alpha);

// Diagonal A given as its diagonal (real or complex, any shape), B the same shape; dt a scalar or
// a tensor broadcasting against A (per-channel steps; every entry must be > 0).
// Closed forms: ZOH Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A · B; bilinear and Euler elementwise.
DiscreteSsm discretize_diagonal(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& dt,
                                Discretization method);

// Throws an mno::Error unless every entry of dt is finite and > 0. `what` names the caller.
void check_step(const torch::Tensor& dt, const std::string& what);

}  // namespace mno::ssm
