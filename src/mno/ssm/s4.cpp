#include "mno/ssm/s4.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "mno/core/error.h"
#include "mno/ssm/discretize.h"
#include "mno/ssm/hippo.h"

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

torch::Tensor cauchy_pairs(const torch::Tensor& v, const torch::Tensor& lambda, const torch::Tensor& num,
                           const torch::Tensor& s) {
  const auto n = num.view({1, -1, 1});           // [1, K, 1]
  const auto sk = s.unsqueeze(-1);                // [H, K, 1]
  const auto l = lambda.unsqueeze(1);             // [H, 1, n]
  const auto vv = v.unsqueeze(1);
  const auto terms = vv / (n - sk * l) + torch::conj(vv) / (n - sk * torch::conj(l));
  return terms.sum(-1);
}

namespace {
torch::ScalarType complex_of(torch::ScalarType real) {
  return real == torch::kDouble ? torch::kComplexDouble : torch::kComplexFloat;
}
}  // namespace

namespace {

// G(ω) for one block of frequencies, every intermediate [H, K, N/2] — the plain formula.
torch::Tensor generating_function_block(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                                        const torch::Tensor& C, const torch::Tensor& dt, const torch::Tensor& w) {
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

// Every frequency is independent of the others, so G is evaluated a block of frequencies at a
// time: the forward keeps only the [H, K] result, and the backward recomputes each block under
// autograd and takes its vector-Jacobian product (checkpointing per block). Peak memory is
// O(H·(N + L)) plus one block's O(H·block·N) instead of O(H·L·N) — the plain formula at
// L = 65,536, H = 256, N = 64 would hold ~17 GB per Cauchy sum.
struct BlockedGeneratingFunction : torch::autograd::Function<BlockedGeneratingFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, torch::Tensor Lambda,
                                                torch::Tensor P, torch::Tensor B, torch::Tensor C, torch::Tensor dt,
                                                torch::Tensor w, int64_t block) {
    ctx->save_for_backward({Lambda, P, B, C, dt, w});
    ctx->saved_data["block"] = block;
    std::vector<torch::Tensor> parts;
    for (int64_t k0 = 0; k0 < w.size(0); k0 += block)
      parts.push_back(generating_function_block(Lambda, P, B, C, dt, w.narrow(0, k0, std::min(block, w.size(0) - k0))));
    return {torch::cat(parts, 1)};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const int64_t block = ctx->saved_data["block"].toInt();
    const auto& w = saved[5];
    std::vector<torch::Tensor> inputs, grads(5);
    for (int i = 0; i < 5; ++i) inputs.push_back(saved[i].detach().requires_grad_(ctx->needs_input_grad(i)));
    std::vector<torch::Tensor> wanted;
    for (const auto& t : inputs)
      if (t.requires_grad()) wanted.push_back(t);
    if (!wanted.empty()) {
      torch::AutoGradMode enable(true);
      for (int64_t k0 = 0; k0 < w.size(0); k0 += block) {
        const int64_t n = std::min(block, w.size(0) - k0);
        const auto g = generating_function_block(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], w.narrow(0, k0, n));
        const auto dg = torch::autograd::grad({g}, wanted, {grad_out[0].narrow(1, k0, n)}, /*retain_graph=*/false,
                                              /*create_graph=*/false, /*allow_unused=*/true);
        for (size_t i = 0, j = 0; i < inputs.size(); ++i) {
          if (!inputs[i].requires_grad()) continue;
          const auto& d = dg[j++];
          if (d.defined()) grads[i] = grads[i].defined() ? grads[i] + d : d;
        }
      }
    }
    return {grads[0], grads[1], grads[2], grads[3], grads[4], torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor s4_generating_function(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                                     const torch::Tensor& C, const torch::Tensor& dt, const torch::Tensor& omega,
                                     int64_t frequencies_per_block) {
  check(Lambda.dim() == 2 && P.sizes() == Lambda.sizes() && B.sizes() == Lambda.sizes() && C.sizes() == Lambda.sizes() &&
            dt.dim() == 1 && dt.size(0) == Lambda.size(0),
        "S4 kernel: expected Lambda, P, B, C [H, N/2] and dt [H]");
  check(omega.dim() == 1, "S4 kernel: expected the frequencies omega [K], found {} dimensions", omega.dim());
  check(frequencies_per_block >= 0, "S4 kernel: frequencies_per_block must be >= 0 (0: automatic), found {}",
        frequencies_per_block);
  check_step(dt, "S4 kernel");
  const auto w = omega.to(complex_of(dt.scalar_type()));
  // Automatic: ~2^21 complex entries per [H, block, N/2] intermediate (32 MB in complex double).
  const int64_t block = frequencies_per_block > 0
                            ? frequencies_per_block
                            : std::max<int64_t>(1, (int64_t{1} << 21) / std::max<int64_t>(1, Lambda.numel()));
  if (w.size(0) <= block) return generating_function_block(Lambda, P, B, C, dt, w);
  return BlockedGeneratingFunction::apply(Lambda, P, B, C, dt, w, block)[0];
}

torch::Tensor s4_kernel(const torch::Tensor& Lambda, const torch::Tensor& P, const torch::Tensor& B,
                        const torch::Tensor& C_tilde, const torch::Tensor& dt, int64_t length,
                        int64_t frequencies_per_block) {
  check(length >= 1, "S4 kernel: the length L must be at least 1, found {}", length);
  // The rfft bins: ω_k = exp(−2πik/L), k = 0 .. L/2.
  const auto k = torch::arange(length / 2 + 1, torch::TensorOptions().dtype(dt.scalar_type()).device(dt.device()));
  const auto angle = -2 * M_PI / double(length) * k;
  const auto omega = torch::complex(torch::cos(angle), torch::sin(angle));
  return torch::fft::irfft(s4_generating_function(Lambda, P, B, C_tilde, dt, omega, frequencies_per_block), length, -1);
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
