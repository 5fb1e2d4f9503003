#include "mno/ssm/s4d.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/ssm/discretize.h"

namespace mno::ssm {

S4dInit parse_s4d_init(const std::string& name) {
  if (name == "lin") return S4dInit::lin;
  if (name == "inv") return S4dInit::inv;
  throw Error(fmt::format("unknown S4D initialisation '{}': expected lin or inv", name));
}

torch::Tensor s4d_init_eigenvalues(S4dInit init, int64_t n) {
  check(n >= 2 && n % 2 == 0, "S4D: the state size N must be even and at least 2 (N/2 conjugate pairs), found {}", n);
  const auto k = torch::arange(n / 2, torch::kDouble);
  const auto imag = init == S4dInit::lin ? M_PI * k : (double(n) / M_PI) * (double(n) / (2 * k + 1) - 1);
  return torch::complex(torch::full_like(k, -0.5), imag);
}

torch::Tensor s4d_kernel(const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& C,
                         const torch::Tensor& dt, int64_t length) {
  check(length >= 1, "S4D kernel: the length L must be at least 1, found {}", length);
  check(A.dim() == 2 && B.sizes() == A.sizes() && C.sizes() == A.sizes() && dt.dim() == 1 && dt.size(0) == A.size(0),
        "S4D kernel: expected A, B, C [H, N/2] and dt [H]");
  const auto d = discretize_diagonal(A, B, dt.unsqueeze(1), Discretization::zoh);
  const auto dtA = dt.unsqueeze(1) * A;                                                  // [H, n]
  const auto l = torch::arange(length, dt.options());                                    // real
  const auto vandermonde = torch::exp(dtA.unsqueeze(-1) * l);                            // [H, n, L]
  const auto weights = (C * d.B).unsqueeze(-1);                                          // [H, n, 1]
  // A sum, not a matmul: autocast would move a matmul to bf16; the kernel stays in fp32.
  return 2 * torch::real((weights * vandermonde).sum(1));                                // [H, L]
}

}  // namespace mno::ssm
