#include "mno/parity/ss2d_authors.h"

#include <vector>

namespace mno::parity {
namespace {

// The position each direction visits at each step: rows (and, for K = 4, columns), then reversed.
std::vector<torch::Tensor> walk_orders(int64_t K, int64_t H, int64_t W, const torch::Device& device) {
  const auto rows = torch::arange(H * W, torch::TensorOptions().dtype(torch::kLong).device(device));
  if (K == 2) return {rows, rows.flip({0})};
  const auto cols = rows.view({H, W}).t().reshape({-1});
  return {rows, cols, rows.flip({0}), cols.flip({0})};
}

}  // namespace

torch::Tensor authors_ss2d_forward(nn::SelectiveScan2dBase& m, const torch::Tensor& x, const torch::Tensor& ref, int64_t H,
                                   int64_t W, const torch::Tensor& ref_proj_weight, ScanFunction scan) {
  const auto& o = m.options();
  const int64_t E = o.d_inner(), R = o.rank(), N = o.d_state, K = o.directions, L = x.size(1), batch = x.size(0);
  const auto walks = walk_orders(K, H, W, x.device());
  const auto xz = torch::silu(m.in_proj->forward(x));
  const auto u = xz.narrow(2, 0, E).transpose(1, 2);
  const auto z = xz.narrow(2, E, E);
  std::vector<torch::Tensor> xs_list, rs_list;  // CrossScan: explicit copies in walk order
  for (const auto& w : walks) xs_list.push_back(u.index_select(2, w));
  auto xs = torch::stack(xs_list, 1);  // [B, K, E, L]
  auto x_dbl = torch::einsum("bkel,kce->bkcl", {xs, m.x_proj_weight});
  if (ref.defined()) {
    const auto r = torch::silu(m.in_proj->forward(ref)).narrow(2, 0, E).transpose(1, 2);
    for (const auto& w : walks) rs_list.push_back(r.index_select(2, w));
    x_dbl = x_dbl + torch::einsum("bkel,kce->bkcl", {torch::stack(rs_list, 1), ref_proj_weight});
  }
  const auto dts = torch::einsum("bkrl,ker->bkel", {x_dbl.narrow(2, 0, R), m.dt_projs_weight});
  ops::ScanOptions one;
  one.delta_softplus = true;
  const auto ys = scan(xs.reshape({batch, K * E, L}), dts.reshape({batch, K * E, L}), -torch::exp(m.A_logs),
                       x_dbl.narrow(2, R, N), x_dbl.narrow(2, R + N, N), m.Ds, m.dt_projs_bias.reshape({-1}), {}, one)
                      .y.view({batch, K, E, L});
  auto y = torch::zeros({batch, E, L}, x.options());  // CrossMerge: undo each walk, sum
  for (int64_t k = 0; k < K; ++k) y = y + ys.select(1, k).index_select(2, torch::argsort(walks[k]));
  y = m.out_norm->forward(y.transpose(1, 2)) * z;
  return m.out_proj->forward(y);
}

}  // namespace mno::parity
