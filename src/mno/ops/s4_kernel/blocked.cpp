#include "mno/ops/s4_kernel/s4_kernel.h"

// The blocked op: G(ω) a block of frequencies at a time, forward and backward.
#include <algorithm>
#include <vector>

#include "mno/core/error.h"

namespace mno::ops {
namespace {

torch::ScalarType complex_of(torch::ScalarType real) {
  return real == torch::kDouble ? torch::kComplexDouble : torch::kComplexFloat;
}

void check_positive_step(const torch::Tensor& dt) {
  const auto d = dt.detach().to(torch::kDouble);
  const bool ok = d.numel() > 0 && torch::isfinite(d).all().item<bool>() && (d > 0).all().item<bool>();
  if (!ok)
    throw Error(fmt::format("S4 kernel: the step Δ must be positive and finite, found {}",
                            d.numel() == 1 ? fmt::format("{}", d.item<double>())
                                           : fmt::format("min {}", d.min().item<double>())));
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
      parts.push_back(s4_generating_function_reference(Lambda, P, B, C, dt, w.narrow(0, k0, std::min(block, w.size(0) - k0))));
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
        const auto g = s4_generating_function_reference(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], w.narrow(0, k0, n));
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
  check_positive_step(dt);
  const auto w = omega.to(complex_of(dt.scalar_type()));
  // Automatic: ~2^21 complex entries per [H, block, N/2] intermediate (32 MB in complex double).
  const int64_t block = frequencies_per_block > 0
                            ? frequencies_per_block
                            : std::max<int64_t>(1, (int64_t{1} << 21) / std::max<int64_t>(1, Lambda.numel()));
  if (w.size(0) <= block) return s4_generating_function_reference(Lambda, P, B, C, dt, w);
  return BlockedGeneratingFunction::apply(Lambda, P, B, C, dt, w, block)[0];
}

}  // namespace mno::ops
