// The oracle (selective_scan.h): the maths of docs/scan.md written plainly with LibTorch
// ops, one direction at a time with explicit index maps, the state loop sequential over L.
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::ops {
namespace {

// [batch, G, N, L] or [C, N] -> the per-channel matrix of channels [c0, c0 + E), in walk order,
// as [batch or 1, E, L or 1, N].
torch::Tensor channel_matrix(const torch::Tensor& m, int64_t c0, int64_t E, int64_t C, const torch::Tensor& walk) {
  if (m.dim() == 2) return m.narrow(0, c0, E).unsqueeze(0).unsqueeze(2);
  const int64_t channels_per_group = C / m.size(1);
  auto groups = torch::arange(c0, c0 + E, torch::kLong).div(channels_per_group, "floor").to(m.device());
  return m.index_select(1, groups).index_select(3, walk).permute({0, 1, 3, 2});
}

}  // namespace

ScanResult selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                                    const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                                    const torch::Tensor& delta_bias, const torch::Tensor& z, const ScanOptions& options) {
  const ScanShape s = validate_scan_inputs(u, delta, A, B, C, D, delta_bias, z, options);
  const auto walks = direction_walks(s.K, s.L, options.height, options.width).to(u.device());
  torch::Tensor y = torch::zeros_like(u);
  std::vector<torch::Tensor> last_states;
  for (int64_t k = 0; k < s.K; ++k) {
    const int64_t c0 = k * s.E;
    const auto walk = walks[k];
    // The explicit flipped / transposed copies that the fast paths never make.
    const auto u_k = u.index_select(2, walk);
    auto dt = delta.narrow(1, c0, s.E).index_select(2, walk);
    if (delta_bias.defined()) dt = dt + delta_bias.narrow(0, c0, s.E).view({1, s.E, 1});
    if (options.delta_softplus)
      dt = torch::nn::functional::softplus(dt, torch::nn::functional::SoftplusFuncOptions().beta(1).threshold(20));
    const auto A_k = A.narrow(0, c0, s.E).view({1, s.E, 1, s.N});
    const auto B_k = channel_matrix(B, c0, s.E, s.C, walk);
    const auto C_k = channel_matrix(C, c0, s.E, s.C, walk);
    const auto deltaA = torch::exp(dt.unsqueeze(-1) * A_k);               // [batch, E, L, N]
    const auto deltaB_u = (dt * u_k).unsqueeze(-1) * B_k;                   // [batch, E, L, N]
    // unbind, not select(t) per step: select's backward writes a full-size zero gradient per step
    // (O(L^2)); unbind's backward is one stack.
    const auto a_steps = deltaA.unbind(2), bu_steps = deltaB_u.unbind(2), c_steps = C_k.unbind(2);
    auto h = torch::zeros({s.batch, s.E, s.N}, deltaA.options());
    std::vector<torch::Tensor> ys;
    ys.reserve(s.L);
    for (int64_t t = 0; t < s.L; ++t) {
      h = a_steps[t] * h + bu_steps[t];
      ys.push_back((h * c_steps[c_steps.size() == 1 ? 0 : t]).sum(-1));
    }
    auto y_k = torch::stack(ys, 2);
    if (D.defined()) y_k = y_k + D.narrow(0, c0, s.E).view({1, s.E, 1}) * u_k;
    y = y + y_k.index_select(2, torch::argsort(walk));  // back to position order, then merge
    last_states.push_back(h);
  }
  if (z.defined()) y = y * torch::silu(z);
  ScanResult result{y.to(u.scalar_type()), {}};
  if (options.return_last_state) result.last_state = torch::cat(last_states, 1);
  return result;
}

}  // namespace mno::ops
