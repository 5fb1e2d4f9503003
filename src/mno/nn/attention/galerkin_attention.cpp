#include "mno/nn/attention/galerkin_attention.h"

#include "mno/core/error.h"

namespace mno::nn {

GalerkinAttentionOptions GalerkinAttentionOptions::from_config(const ConfigNode& node, int64_t d_model, Kind kind) {
  GalerkinAttentionOptions o;
  o.kind = kind;
  o.d_model = d_model;
  o.heads = positive_key(node, "heads", o.heads);
  if (d_model % o.heads != 0)
    throw mismatch_error(key_where(node, "heads"), fmt::format("a divisor of d_model {}", d_model),
                         std::to_string(o.heads));
  o.pos_dim = node.get<int64_t>("pos_dim", o.pos_dim);
  if (o.pos_dim < 0) throw mismatch_error(key_where(node, "pos_dim"), "0 or more", std::to_string(o.pos_dim));
  o.norm_eps = node.get<double>("norm_eps", kind == Kind::galerkin ? 1e-5 : 1e-7);
  o.init_gain = node.get<double>("init_gain", o.init_gain);
  o.diagonal_weight = node.get<double>("diagonal_weight", o.diagonal_weight);
  if (kind == Kind::galerkin) o.always_on_dropout = node.get<bool>("always_on_dropout", o.always_on_dropout);
  return o;
}

GalerkinAttentionImpl::GalerkinAttentionImpl(const GalerkinAttentionOptions& o) : options_(o) {
  const int64_t D = o.d_model, H = o.heads, dh = o.head_dim();
  for (auto* layer : {&to_q, &to_k, &to_v}) {
    *layer = torch::nn::Linear(D, D);
    xavier_with_diagonal_((*layer)->weight, o.init_gain, o.diagonal_weight);
    torch::NoGradGuard no_grad;
    (*layer)->bias.zero_();
  }
  register_module("to_q", to_q);
  register_module("to_k", to_k);
  register_module("to_v", to_v);
  norm_a = register_module("norm_a", PerHeadLayerNorm(H, dh, o.norm_eps));
  norm_b = register_module("norm_b", PerHeadLayerNorm(H, dh, o.norm_eps));
  to_out = register_module("to_out", torch::nn::Linear(H * (dh + o.pos_dim), D));
}

torch::Tensor GalerkinAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                             const torch::Tensor& pos, const TokenGrid&) {
  const auto& o = options_;
  const std::string name = o.kind == GalerkinAttentionOptions::Kind::galerkin ? "galerkin attention"
                                                                               : "fourier attention";
  check_attention_inputs(name, x, context, o.d_model, /*cross=*/false);
  if (o.pos_dim > 0) check_positions(name, pos, x, o.pos_dim, "concatenated to every head");
  auto q = split_heads(to_q->forward(x), o.heads);
  auto k = split_heads(to_k->forward(x), o.heads);
  auto v = split_heads(to_v->forward(x), o.heads);
  if (o.kind == GalerkinAttentionOptions::Kind::galerkin) {
    k = norm_a->forward(k);
    v = norm_b->forward(v);
  } else {
    q = norm_a->forward(q);
    k = norm_b->forward(k);
  }
  if (o.pos_dim > 0) {
    const auto p = pos.to(x.scalar_type()).unsqueeze(1).expand({x.size(0), o.heads, x.size(1), o.pos_dim});
    q = torch::cat({p, q}, -1);
    k = torch::cat({p, k}, -1);
    v = torch::cat({p, v}, -1);
  }
  auto kv = torch::matmul(k.transpose(2, 3), v) / static_cast<double>(x.size(1));
  if (o.always_on_dropout) kv = torch::dropout(kv, 0.5, /*train=*/true);
  return to_out->forward(merge_heads(torch::matmul(q, kv)));
}

std::string GalerkinAttentionImpl::describe() const {
  const auto& o = options_;
  return fmt::format("{}Attention(self, d_model {}, heads {} × {}{}, norm_eps {}{})",
                     o.kind == GalerkinAttentionOptions::Kind::galerkin ? "Galerkin" : "Fourier", o.d_model, o.heads,
                     o.head_dim(), o.pos_dim ? fmt::format(" + {} position features", o.pos_dim) : "", o.norm_eps,
                     o.always_on_dropout ? ", always-on dropout 0.5 [quirk]" : "");
}

}  // namespace mno::nn
