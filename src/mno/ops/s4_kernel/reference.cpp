#include "mno/ops/s4_kernel/s4_kernel.h"

// The plain formulas of the S4 generating function: every intermediate at once, no blocking.

namespace mno::ops {

torch::Tensor cauchy_pairs(const torch::Tensor& v, const torch::Tensor& lambda, const torch::Tensor& num,
                           const torch::Tensor& s) {
  const auto n = num.view({1, -1, 1});           // [1, K, 1]
  const auto sk = s.unsqueeze(-1);                // [H, K, 1]
  const auto l = lambda.unsqueeze(1);             // [H, 1, n]
  const auto vv = v.unsqueeze(1);
  const auto terms = vv / (n - sk * l) + torch::conj(vv) / (n - sk * torch::conj(l));
  return terms.sum(-1);
}

// G(ω) for the frequencies w, every intermediate [H, K, N/2] — the plain formula.
torch::Tensor s4_generating_function_reference(const torch::Tensor& Lambda, const torch::Tensor& P,
                                               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& dt,
                                               const torch::Tensor& w) {
  const auto cplx = w.scalar_type();
  const auto num = 1 - w;                                                 // [K]
  const auto s = (dt.unsqueeze(1) / 2).to(cplx) * (1 + w).unsqueeze(0);  // [H, K]
  const auto Pc = torch::conj(P);
  const auto k00 = cauchy_pairs(C * B, Lambda, num, s);
  const auto k01 = cauchy_pairs(C * P, Lambda, num, s);
  const auto k10 = cauchy_pairs(Pc * B, Lambda, num, s);
  const auto k11 = cauchy_pairs(Pc * P, Lambda, num, s);
  // Woodbury for the rank-1 term: (D + s P̃P̃*)⁻¹ = D⁻¹ − s D⁻¹P̃ (1 + s P̃*D⁻¹P̃)⁻¹ P̃*D⁻¹.
  return dt.unsqueeze(1).to(cplx) * (k00 - s * k01 * k10 / (1 + s * k11));
}

}  // namespace mno::ops
