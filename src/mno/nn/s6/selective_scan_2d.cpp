#include "mno/nn/s6/selective_scan_2d.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/gated_norm/gated_norm.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::nn {

SelectiveScan2dBase::SelectiveScan2dBase(const S6MixerOptions& o) : options_(o) {
  check(o.d_model >= 1, "SelectiveScan2d: expected d_model >= 1, found {}", o.d_model);
  check(o.directions == 2 || o.directions == 4, "SelectiveScan2d: expected directions 2 or 4, found {}", o.directions);
  const int64_t E = o.d_inner(), R = o.rank(), N = o.d_state, K = o.directions;
  check(E >= 1, "SelectiveScan2d: expand · d_model must be >= 1, found {}", E);
  in_proj = register_module("in_proj", torch::nn::Linear(torch::nn::LinearOptions(o.d_model, 2 * E).bias(false)));
  // K separate Linear(E -> R+2N) layers stacked: each keeps PyTorch's default bound 1/sqrt(E).
  x_proj_weight = register_parameter("x_proj_weight", uniform({K, R + 2 * N, E}, 1.0 / std::sqrt(double(E))));
  dt_projs_weight = register_parameter("dt_projs_weight", uniform({K, E, R}, 1.0 / std::sqrt(double(R))));
  dt_projs_bias = register_parameter("dt_projs_bias", inverse_softplus_dt_bias({K, E}, o.dt));
  A_logs = register_parameter("A_logs", s4d_real_a_log(K * E, N));
  Ds = register_parameter("Ds", torch::ones({K * E}));
  out_norm = register_module("out_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({E}).eps(1e-5)));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(E, o.d_model).bias(false)));
}

void SelectiveScan2dBase::check_tokens(const torch::Tensor& x, const char* name) const {
  if (!x.defined() || x.dim() != 3 || x.size(2) != options_.d_model)
    throw mismatch_error(fmt::format("SelectiveScan2d: input '{}'", name),
                         fmt::format("[batch, L, {}] (d_model = {})", options_.d_model, options_.d_model),
                         compat::shape_str(x));
}

torch::Tensor SelectiveScan2dBase::project_scan_input(const torch::Tensor& x) const {
  // The scan reads u channel-major, [B, E, L]. One batched GEMM of the weight's first E rows (a
  // view) with x read transposed writes it in that layout directly. The one GEMM of all 2E rows
  // gave [B, L, 2E]: u then cost a transposing copy in the forward, and the split's backward
  // concatenated a channel-major and a token-major gradient (profiled: a tenth of a CPU step).
  const int64_t E = options_.d_inner(), batch = x.size(0);
  const auto w = in_proj->weight.split(E, 0)[0];
  return torch::silu(torch::bmm(w.unsqueeze(0).expand({batch, E, w.size(1)}), x.transpose(1, 2)));
}

torch::Tensor SelectiveScan2dBase::project_gate(const torch::Tensor& x) const {
  // The gate stays token-major, [B, L, E], where it meets the LayerNorm's output; its SiLU is
  // applied there (gated_layer_norm), so that only the pre-activation is kept for the backward.
  const auto w_gate = in_proj->weight.split(options_.d_inner(), 0)[1];
  return torch::matmul(x, w_gate.t());
}

std::pair<torch::Tensor, torch::Tensor> SelectiveScan2dBase::project_input(const torch::Tensor& x) {
  return {project_scan_input(x), project_gate(x)};
}

torch::Tensor SelectiveScan2dBase::project_selection(const torch::Tensor& weight, const torch::Tensor& u) const {
  const int64_t K = weight.size(0), rows = weight.size(1), E = weight.size(2), batch = u.size(0);
  // bmm, not matmul: for a weight that requires grad, LibTorch ≥ 2's matmul folds W·u into one mm
  // on u transposed — a copy of u — and returns a transposed view, so x_dbl came out token-major
  // and Δ's matmul and the B/C rows copied it again (profiled: 14 copies a GT-Mamba step).
  const auto w = weight.reshape({1, K * rows, E}).expand({batch, K * rows, E});
  return torch::bmm(w, u).view({batch, K, rows, u.size(2)});
}

namespace {

// The rows `dirs` of a per-direction parameter [K, ...]: the tensor itself when dirs is 0..K-1,
// else a strided view (dirs is evenly spaced: a curve's pair {c, c + 2}), never a copy or a
// host-to-device index.
torch::Tensor directions_of(const torch::Tensor& p, const std::vector<int64_t>& dirs) {
  const int64_t first = dirs.front(), step = dirs.size() > 1 ? dirs[1] - dirs[0] : 1;
  for (size_t i = 0; i < dirs.size(); ++i)
    check(dirs[i] == first + step * static_cast<int64_t>(i) && step >= 1, "SelectiveScan2d: directions must be evenly spaced");
  if (first == 0 && step == 1 && static_cast<int64_t>(dirs.size()) == p.size(0)) return p;
  return p.slice(0, first, first + step * (static_cast<int64_t>(dirs.size()) - 1) + 1, step);
}

std::vector<int64_t> every_direction(int64_t K) {
  std::vector<int64_t> dirs(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) dirs[static_cast<size_t>(k)] = k;
  return dirs;
}

}  // namespace

torch::Tensor SelectiveScan2dBase::scan_directions(const torch::Tensor& u, const torch::Tensor& x_dbl,
                                                   const std::vector<int64_t>& dirs, const TokenGrid& grid,
                                                   Selection* seen) {
  const int64_t batch = u.size(0), E = u.size(1), L = u.size(2);
  const int64_t R = options_.rank(), N = options_.d_state, K = options_.directions;
  const int64_t Kd = static_cast<int64_t>(dirs.size());
  // split, not three narrows: its backward concatenates the parts' gradients, where each narrow's
  // backward fills a zero tensor of the whole and adds.
  const auto parts = x_dbl.split_with_sizes({R, N, N}, 2);
  const auto& dts = parts[0];
  const auto Bs = parts[1].contiguous();
  const auto Cs = parts[2].contiguous();
  const auto delta = torch::matmul(directions_of(dt_projs_weight, dirs), dts).reshape({batch, Kd * E, L});  // [Kd,E,R]·[B,Kd,R,L]
  const auto bias = directions_of(dt_projs_bias, dirs).reshape({Kd * E});

  ops::ScanOptions scan;
  scan.directions = Kd;
  scan.delta_softplus = true;
  if (Kd == 4) {
    const TokenGrid g = resolve_token_grid(
        grid, L, "SelectiveScan2d with 4 directions and order index (a curve order, model.mixer.order: hilbert, takes them)");
    scan.height = g.height;
    scan.width = g.width;
  }
  if (seen) *seen = {torch::softplus(delta.to(torch::kFloat) + bias.reshape({1, Kd * E, 1}).to(torch::kFloat)), Bs, Cs};
  // A in at least fp32 (exp of 16-bit log-rates would lose the rates' precision), and in fp64 for
  // an fp64 layer: rounding it to fp32 there put 3e-8 relative error into A_logs' gradient.
  const auto A_log = directions_of(A_logs.view({K, E, N}), dirs).reshape({Kd * E, N});
  const auto A = -torch::exp(A_log.to(torch::promote_types(A_log.scalar_type(), torch::kFloat)));
  const auto D = directions_of(Ds.view({K, E}), dirs).reshape({Kd * E});
  return ops::selective_scan(u, delta, A, Bs, Cs, D, bias, {}, scan).y;
}

torch::Tensor SelectiveScan2dBase::output(const torch::Tensor& y, const torch::Tensor& z_pre) {
  // out_norm(y) ⊙ SiLU(z) as one op that recomputes the norm's output and the gate in the backward
  // instead of keeping them (ops/gated_norm/gated_norm.h).
  return out_proj->forward(
      ops::gated_layer_norm(y, z_pre, out_norm->weight, out_norm->bias, out_norm->options.eps()));
}

torch::Tensor SelectiveScan2dBase::scan_and_output(const torch::Tensor& u, const torch::Tensor& x_dbl,
                                                   const torch::Tensor& z_pre, const TokenGrid& grid) {
  Selection seen;
  const auto y = scan_directions(u, x_dbl, every_direction(options_.directions), grid, selection_probe ? &seen : nullptr);
  if (selection_probe) selection_probe(seen.delta, seen.B, seen.C);
  // The copy to token-major made here rather than inside the norm: the norm then saves the
  // contiguous tensor for its backward (which otherwise copies the transposed view again), and y
  // itself is freed, so it costs no memory.
  return output(y.transpose(1, 2).contiguous(), z_pre);
}

torch::Tensor SelectiveScan2dBase::select_directions(const std::vector<int64_t>& dirs, const torch::Tensor& u,
                                                     const torch::Tensor& r, const torch::Tensor& ref_weight) const {
  auto x_dbl = project_selection(directions_of(x_proj_weight, dirs), u);
  return r.defined() ? x_dbl + project_selection(directions_of(ref_weight, dirs), r) : x_dbl;
}

torch::Tensor SelectiveScan2dBase::scan_two_curves(const torch::Tensor& x, const torch::Tensor& context,
                                                   const torch::Tensor& ref_weight, const torch::Tensor& pos,
                                                   const std::string& who) {
  const int64_t E = options_.d_inner();
  // The gate is per token: computed once, in the tokens' own order.
  const auto z_pre = project_gate(x);
  torch::Tensor y;  // [B, L, E], the tokens' order
  Selection seen[2];
  for (const int64_t curve : {0, 1}) {
    const TokenOrder order = token_order(pos, options_.order, who, /*transposed=*/curve == 1);
    const std::vector<int64_t> dirs = {curve, curve + 2};  // forwards, backwards
    const auto u = project_scan_input(order.apply(x));
    const auto r = context.defined() ? project_scan_input(order.apply(context)) : torch::Tensor();
    const auto y_curve = scan_directions(u, select_directions(dirs, u, r, ref_weight), dirs, {},
                                         selection_probe ? &seen[curve] : nullptr);
    const auto back = order.undo(y_curve.transpose(1, 2));
    y = curve == 0 ? back : y + back;
  }
  if (selection_probe) {
    // Directions 0..3 from the two curves' (0, 2) and (1, 3).
    const auto by_direction = [](const torch::Tensor& a, const torch::Tensor& b, int64_t per) {
      const auto pa = a.split(per, 1), pb = b.split(per, 1);
      return torch::cat({pa[0], pb[0], pa[1], pb[1]}, 1);
    };
    selection_probe(by_direction(seen[0].delta, seen[1].delta, E), by_direction(seen[0].B, seen[1].B, 1),
                    by_direction(seen[0].C, seen[1].C, 1));
  }
  return output(y.contiguous(), z_pre);
}

torch::Tensor SelectiveScan2dImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& pos,
                                           const TokenGrid& grid) {
  check_tokens(x, "x");
  check(!context.defined(), "SelectiveScan2d is a self mixer: it takes no context (use the cross form, "
                            "CrossSelectiveScan2d, for query + context)");
  if (two_curves()) return scan_two_curves(x, {}, {}, pos, "SelectiveScan2d");
  const TokenOrder order = token_order(pos, options_.order, "SelectiveScan2d");
  auto [u, z_pre] = project_input(order.apply(x));
  return order.undo(scan_and_output(u, project_selection(x_proj_weight, u), z_pre, grid));
}

std::string SelectiveScan2dImpl::describe() const {
  return fmt::format("SelectiveScan2d(d_model {}, d_inner {}, d_state {}, dt_rank {}, directions {}{})", options_.d_model,
                     options_.d_inner(), options_.d_state, options_.rank(), options_.directions, options_.order_suffix());
}

CrossSelectiveScan2dImpl::CrossSelectiveScan2dImpl(const S6MixerOptions& o) : SelectiveScan2dBase(o) {
  const int64_t E = o.d_inner();
  ref_proj_weight = register_parameter(
      "ref_proj_weight", uniform({o.directions, o.rank() + 2 * o.d_state, E}, 1.0 / std::sqrt(double(E))));
}

torch::Tensor CrossSelectiveScan2dImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                                const torch::Tensor& pos, const TokenGrid& grid) {
  check_tokens(x, "x");
  check(context.defined(), "CrossSelectiveScan2d needs a context tensor [batch, L, d_model] beside the query");
  check_tokens(context, "context");
  if (context.size(0) != x.size(0) || context.size(1) != x.size(1))
    throw mismatch_error("CrossSelectiveScan2d: context",
                         fmt::format("the query's batch and length {} (position l of the query pairs with position l "
                                     "of the context)", compat::shape_str({x.size(0), x.size(1)})),
                         compat::shape_str(context));
  // Query and context in the same order: position l of one still pairs with l of the other.
  if (two_curves()) return scan_two_curves(x, context, ref_proj_weight, pos, "CrossSelectiveScan2d");
  const TokenOrder order = token_order(pos, options_.order, "CrossSelectiveScan2d");
  auto [u, z_pre] = project_input(order.apply(x));
  const auto r = project_scan_input(order.apply(context));  // the context has no gate
  const auto x_dbl = select_directions(every_direction(options_.directions), u, r, ref_proj_weight);
  return order.undo(scan_and_output(u, x_dbl, z_pre, grid));
}

std::string CrossSelectiveScan2dImpl::describe() const {
  return fmt::format("CrossSelectiveScan2d(d_model {}, d_inner {}, d_state {}, dt_rank {}, directions {}{})",
                     options_.d_model, options_.d_inner(), options_.d_state, options_.rank(), options_.directions,
                     options_.order_suffix());
}

}  // namespace mno::nn
