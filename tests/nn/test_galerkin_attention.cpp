// Galerkin and Fourier attention against their formulas written out head by head in double
// (docs/models.md, "galerkin, fourier"): values and gradients with respect to the input, the
// positions and every parameter. The norms' affine parameters and the q/k/v biases are drawn at
// random first, so a norm on the wrong tensor or a dropped bias cannot pass.
#include <gtest/gtest.h>

#include "mno/nn/attention/galerkin_attention.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

using Kind = nn::GalerkinAttentionOptions::Kind;
constexpr int64_t kBatch = 2, kTokens = 5, kModel = 6, kHeads = 2, kHeadDim = 3, kPosDim = 2;

// LayerNorm over the last axis, as written: (t − mean) / √(biased variance + eps) · w + b.
torch::Tensor layer_norm(const torch::Tensor& t, const torch::Tensor& w, const torch::Tensor& b, double eps) {
  const auto centred = t - t.mean(-1, true);
  return centred / (centred.square().mean(-1, true) + eps).sqrt() * w + b;
}

// One head's rows of a Linear(D, D): t · W[rows]ᵀ + b[rows].
torch::Tensor head_projection(const torch::nn::Linear& layer, const torch::Tensor& t, int64_t h) {
  return torch::matmul(t, layer->weight.narrow(0, h * kHeadDim, kHeadDim).t()) + layer->bias.narrow(0, h * kHeadDim, kHeadDim);
}

torch::Tensor formula(nn::GalerkinAttentionImpl& m, Kind kind, double eps, const torch::Tensor& x, const torch::Tensor& pos) {
  std::vector<torch::Tensor> samples;
  for (int64_t b = 0; b < kBatch; ++b) {
    std::vector<torch::Tensor> heads;
    for (int64_t h = 0; h < kHeads; ++h) {
      auto q = head_projection(m.to_q, x[b], h), k = head_projection(m.to_k, x[b], h), v = head_projection(m.to_v, x[b], h);
      const auto norm_a = [&](const torch::Tensor& t) { return layer_norm(t, m.norm_a->weight[h], m.norm_a->bias[h], eps); };
      const auto norm_b = [&](const torch::Tensor& t) { return layer_norm(t, m.norm_b->weight[h], m.norm_b->bias[h], eps); };
      if (kind == Kind::galerkin) {
        k = norm_a(k);
        v = norm_b(v);
      } else {
        q = norm_a(q);
        k = norm_b(k);
      }
      q = torch::cat({pos[b], q}, 1);
      k = torch::cat({pos[b], k}, 1);
      v = torch::cat({pos[b], v}, 1);
      heads.push_back(kind == Kind::galerkin ? torch::matmul(q, torch::matmul(k.t(), v) / double(kTokens))
                                             : torch::matmul(torch::matmul(q, k.t()) / double(kTokens), v));
    }
    samples.push_back(torch::matmul(torch::cat(heads, 1), m.to_out->weight.t()) + m.to_out->bias);
  }
  return torch::stack(samples);
}

void expect_layer_equals_formula(Kind kind) {
  torch::manual_seed(kind == Kind::galerkin ? 11 : 12);
  nn::GalerkinAttentionOptions o;
  o.kind = kind;
  o.d_model = kModel;
  o.heads = kHeads;
  o.pos_dim = kPosDim;
  o.norm_eps = kind == Kind::galerkin ? 1e-5 : 1e-7;
  nn::GalerkinAttentionImpl m(o);
  m.to(torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : m.parameters()) p.add_(torch::randn_like(p) * 0.3);
  }
  const auto x = torch::randn({kBatch, kTokens, kModel}, torch::kDouble).requires_grad_(true);
  const auto pos = torch::rand({kBatch, kTokens, kPosDim}, torch::kDouble).requires_grad_(true);
  const auto upstream = torch::randn({kBatch, kTokens, kModel}, torch::kDouble);
  std::vector<torch::Tensor> inputs = {x, pos};
  std::vector<std::string> names = {"x", "pos"};
  for (const auto& item : m.named_parameters()) {
    inputs.push_back(item.value());
    names.push_back(item.key());
  }
  const auto got = m.forward(x, {}, pos);
  const auto want = formula(m, kind, o.norm_eps, x, pos);
  EXPECT_LT(relative_error(got, want), 1e-12) << "output";
  const auto got_grads = torch::autograd::grad({(got * upstream).sum()}, inputs);
  const auto want_grads = torch::autograd::grad({(want * upstream).sum()}, inputs);
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_LT(relative_error(got_grads[i], want_grads[i]), 1e-12) << "gradient of " << names[i];
}

TEST(GalerkinAttention, EqualsItsFormulaWithGradients) { expect_layer_equals_formula(Kind::galerkin); }

TEST(FourierAttention, EqualsItsFormulaWithGradients) { expect_layer_equals_formula(Kind::fourier); }

}  // namespace
}  // namespace mno::testing
