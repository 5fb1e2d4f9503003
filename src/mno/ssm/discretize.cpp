#include "mno/ssm/discretize.h"

#include <cmath>

#include "mno/core/error.h"

namespace mno::ssm {
namespace {

void check_dense(const torch::Tensor& A, const torch::Tensor& B) {
  check(A.dim() >= 2 && A.size(-1) == A.size(-2), "discretize: A must be square [..., N, N], found {} dimensions",
        A.dim());
  check(B.dim() >= 1 && B.size(A.dim() == B.dim() ? -2 : -1) == A.size(-1),
        "discretize: B must have N = {} rows", A.size(-1));
}

// B as a matrix [..., N, M] and a function putting the result back in B's shape.
bool is_vector(const torch::Tensor& A, const torch::Tensor& B) { return B.dim() == A.dim() - 1; }

}  // namespace

Discretization parse_discretization(const std::string& name) {
  if (name == "zoh") return Discretization::zoh;
  if (name == "bilinear") return Discretization::bilinear;
  if (name == "euler") return Discretization::euler;
  throw Error(fmt::format("unknown discretisation '{}': expected zoh, bilinear or euler", name));
}

std::string discretization_name(Discretization method) {
  switch (method) {
    case Discretization::zoh: return "zoh";
    case Discretization::bilinear: return "bilinear";
    case Discretization::euler: return "euler";
  }
  return "?";
}

void check_step(const torch::Tensor& dt, const std::string& what) {
  const auto d = dt.detach().to(torch::kDouble);
  const bool ok = d.numel() > 0 && torch::isfinite(d).all().item<bool>() && (d > 0).all().item<bool>();
  if (!ok)
    throw Error(fmt::format("{}: the step Δ must be positive and finite, found {}", what,
                            d.numel() == 1 ? fmt::format("{}", d.item<double>())
                                           : fmt::format("min {}", d.min().item<double>())));
}

// dt as [..., 1, 1] against A [..., N, N].
torch::Tensor step_for_matrices(const torch::Tensor& dt, const torch::Tensor& A) {
  return dt.to(A.scalar_type()).to(A.device()).unsqueeze(-1).unsqueeze(-1);
}

DiscreteSsm discretize_gbt(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& step, double alpha) {
  check_step(step, "discretize");
  const auto dt = step_for_matrices(step, A);
  check(alpha >= 0 && alpha <= 1, "discretize: the generalised bilinear alpha must be in [0, 1], found {}", alpha);
  check_dense(A, B);
  const auto Bm = is_vector(A, B) ? B.unsqueeze(-1) : B;
  const auto I = torch::eye(A.size(-1), A.options()).expand_as(A);
  const auto lhs = I - alpha * dt * A;
  const auto Ab = torch::linalg_solve(lhs, I + (1 - alpha) * dt * A);
  auto Bb = torch::linalg_solve(lhs, dt * Bm);
  return {Ab, is_vector(A, B) ? Bb.squeeze(-1) : Bb};
}

DiscreteSsm discretize(const torch::Tensor& A, const torch::Tensor& B, double dt, Discretization method) {
  return discretize(A, B, torch::tensor(dt, torch::kDouble), method);
}

DiscreteSsm discretize(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& step, Discretization method) {
  if (method == Discretization::bilinear) return discretize_gbt(A, B, step, 0.5);
  if (method == Discretization::euler) return discretize_gbt(A, B, step, 0.0);
  check_step(step, "discretize");
  const auto dt = step_for_matrices(step, A);
  check_dense(A, B);
  const auto Bm = is_vector(A, B) ? B.unsqueeze(-1) : B;
  const int64_t n = A.size(-1), m = Bm.size(-1);
  // exp([[A, B], [0, 0]]·Δ) = [[exp(AΔ), ∫₀^Δ exp(As) ds B], [0, I]].
  auto sizes = A.sizes().vec();
  sizes[sizes.size() - 1] = sizes[sizes.size() - 2] = n + m;
  auto block = torch::zeros(sizes, A.options());
  block.narrow(-2, 0, n).narrow(-1, 0, n).copy_(A * dt);
  block.narrow(-2, 0, n).narrow(-1, n, m).copy_(Bm * dt);
  const auto e = torch::matrix_exp(block);
  const auto Ab = e.narrow(-2, 0, n).narrow(-1, 0, n);
  const auto Bb = e.narrow(-2, 0, n).narrow(-1, n, m);
  return {Ab, is_vector(A, B) ? Bb.squeeze(-1) : Bb};
}

DiscreteSsm discretize_diagonal(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& dt,
                                Discretization method) {
  check_step(dt, "discretize");
  const auto dA = dt * A;
  switch (method) {
    case Discretization::zoh: {
      const auto Ab = torch::exp(dA);
      return {Ab, (Ab - 1) / A * B};
    }
    case Discretization::bilinear: {
      const auto lhs = 1 - dA / 2;
      return {(1 + dA / 2) / lhs, dt * B / lhs};
    }
    case Discretization::euler: return {1 + dA, dt * B};
  }
  throw Error("discretize: unknown method");
}

}  // namespace mno::ssm
