#include "mno/nn/layer_check.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "mno/core/seed.h"
#include "mno/nn/s6/mamba_block.h"
#include "mno/nn/parameter_counts.h"
#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::nn {
namespace {

// The authors' SS2D / Cross SS2D parameter counts for d_model 64, 96, 128, 256 (docs/layers.md).
struct ExpectedCount {
  int64_t d_model, self, cross;
};
constexpr ExpectedCount kAuthorsCounts[] = {{64, 39680, 48896}, {96, 79488, 94080}, {128, 132608, 153088}, {256, 478208, 527360}};

S6MixerOptions options_for(int64_t d_model, int64_t directions) {
  S6MixerOptions o;
  o.d_model = d_model;
  o.directions = directions;
  return o;
}

LayerCheck forward_backward(const std::string& name, TokenMixerImpl& layer, int64_t d_model, bool cross, TokenGrid grid) {
  const int64_t L = grid.height * grid.width;
  const auto x = torch::randn({2, L, d_model}, torch::requires_grad());
  const auto ctx = cross ? torch::randn({2, L, d_model}) : torch::Tensor();
  const auto y = layer.forward(x, ctx, {}, grid);
  y.square().mean().backward();
  bool finite = torch::isfinite(y).all().item<bool>() && torch::isfinite(x.grad()).all().item<bool>();
  for (const auto& p : layer.parameters()) finite = finite && p.grad().defined() && torch::isfinite(p.grad()).all().item<bool>();
  const bool shape_ok = y.sizes() == x.sizes();
  return {fmt::format("{}: forward + backward on [2, {}, {}] ({}×{} grid)", name, L, d_model, grid.height, grid.width),
          fmt::format("output {}, gradients {}", shape_ok ? "[2, L, D]" : "wrong shape", finite ? "finite" : "NOT finite"),
          "output [2, L, D], gradients finite", shape_ok && finite};
}

double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kDouble) - b.to(torch::kDouble)).norm() / b.to(torch::kDouble).norm()).item<double>();
}

LayerCheck fused_scan_vs_reference() {
  const int64_t batch = 2, E = 8, K = 2, L = 257, N = 16;
  auto leaf = [](torch::Tensor t) { return t.requires_grad_(true); };
  std::vector<torch::Tensor> in = {torch::randn({batch, E, L}), torch::randn({batch, K * E, L}) * 0.5,
                                   -torch::exp(torch::randn({K * E, N}) * 0.5), torch::randn({batch, K, N, L}),
                                   torch::randn({batch, K, N, L}), torch::randn({K * E}), torch::randn({K * E}) * 0.5 - 2};
  ops::ScanOptions o;
  o.directions = K;
  o.delta_softplus = true;
  std::vector<torch::Tensor> fast_in, ref_in;
  for (const auto& t : in) {
    fast_in.push_back(leaf(t.clone()));
    ref_in.push_back(leaf(t.to(torch::kDouble)));
  }
  const auto g = torch::randn({batch, E, L});
  auto run = [&](auto scan, std::vector<torch::Tensor>& x) {
    auto y = scan(x[0], x[1], x[2], x[3], x[4], x[5], x[6], torch::Tensor(), o).y;
    y.backward(g.to(y.scalar_type()));
    return y.detach();
  };
  const auto y_fast = run(ops::selective_scan, fast_in);
  const auto y_ref = run(ops::selective_scan_reference, ref_in);
  double worst = relative_error(y_fast, y_ref);
  for (size_t i = 0; i < in.size(); ++i) worst = std::max(worst, relative_error(fast_in[i].grad(), ref_in[i].grad()));
  return {"fused scan vs reference (fp32 vs fp64; y and all 7 gradients; K=2, L=257)",
          fmt::format("max relative error {:.1e}", worst), "< 1e-4", worst < 1e-4};
}

}  // namespace

std::vector<LayerCheck> check_layers() {
  // Same numbers on every call, and the caller's random stream continues as if we never ran.
  const ScopedCpuSeed seed(0);
  std::vector<LayerCheck> checks;
  for (const auto& c : kAuthorsCounts) {
    const auto self_count = count_parameters(SelectiveScan2dImpl(options_for(c.d_model, 2))).trainable;
    const auto cross_count = count_parameters(CrossSelectiveScan2dImpl(options_for(c.d_model, 2))).trainable;
    checks.push_back({fmt::format("SS2D parameters, d_model {}", c.d_model), fmt::format("{}", self_count),
                      fmt::format("{}", c.self), self_count == c.self});
    checks.push_back({fmt::format("Cross SS2D parameters, d_model {}", c.d_model), fmt::format("{}", cross_count),
                      fmt::format("{}", c.cross), cross_count == c.cross});
  }
  SelectiveScan2dImpl ss2d(options_for(32, 2));
  checks.push_back(forward_backward("SS2D (mamba)", ss2d, 32, false, {8, 8}));
  SelectiveScan2dImpl ss2d4(options_for(32, 4));
  checks.push_back(forward_backward("SS2D, 4 directions (mamba4)", ss2d4, 32, false, {6, 10}));
  CrossSelectiveScan2dImpl cross(options_for(32, 2));
  checks.push_back(forward_backward("Cross SS2D", cross, 32, true, {8, 8}));
  MambaBlockOptions mo;
  mo.s6.d_model = 32;
  MambaBlockImpl block(mo);
  checks.push_back(forward_backward("Mamba block", block, 32, false, {1, 64}));
  checks.push_back(fused_scan_vs_reference());
  return checks;
}

std::string layer_checks_markdown(const std::vector<LayerCheck>& checks) {
  std::string out = "| check | found | expected | |\n|---|---|---|---|\n";
  for (const auto& c : checks) out += fmt::format("| {} | {} | {} | {} |\n", c.what, c.found, c.expected, c.ok ? "ok" : "FAIL");
  return out;
}

}  // namespace mno::nn
