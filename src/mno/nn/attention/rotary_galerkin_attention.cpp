#include "mno/nn/attention/rotary_galerkin_attention.h"

#include "mno/core/error.h"
#include "mno/nn/attention/attention_common.h"

namespace mno::nn {

RotaryGalerkinOptions RotaryGalerkinOptions::from_config(const ConfigNode& node, int64_t d_model, bool cross) {
  RotaryGalerkinOptions o;
  o.d_model = d_model;
  o.cross = cross;
  o.heads = positive_key(node, "heads", o.heads);
  o.head_dim = head_dim_key(node, d_model, o.heads);
  o.rotary_scale = node.get<double>("rotary_scale", o.rotary_scale);
  o.min_freq = node.get<double>("min_freq", o.min_freq);
  if (o.rotary_scale < 0 || !(o.min_freq > 0))
    throw mismatch_error(key_where(node, "rotary_scale"), "rotary_scale >= 0 and min_freq > 0",
                         fmt::format("{} and {}", o.rotary_scale, o.min_freq));
  if (o.rotary_scale > 0 && o.head_dim % 4 != 0)
    throw mismatch_error(key_where(node, "head_dim"), "a multiple of 4 (2-D rotary embedding)",
                         std::to_string(o.head_dim));
  o.out_proj = node.get<bool>("out_proj", o.out_proj);
  if (!o.out_proj && o.heads * o.head_dim != d_model)
    throw mismatch_error(key_where(node, "out_proj"), fmt::format("true, or heads·head_dim = d_model {}", d_model),
                         fmt::format("false with heads·head_dim {}", o.heads * o.head_dim));
  return o;
}

RotaryGalerkinAttentionImpl::RotaryGalerkinAttentionImpl(const RotaryGalerkinOptions& o) : options_(o) {
  const int64_t inner = o.heads * o.head_dim;
  // Self: one [3·inner, D] projection whose first block is Q; cross: Q apart, then [K; V].
  to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(o.d_model, inner).bias(false)));
  to_kv = register_module("to_kv", torch::nn::Linear(torch::nn::LinearOptions(o.d_model, 2 * inner).bias(false)));
  const double gain = 1.0 / static_cast<double>(o.head_dim);
  orthogonal_heads_(to_q->weight, o.heads, o.head_dim, gain, gain, 1);
  if (o.cross) orthogonal_heads_(to_kv->weight, o.heads, o.head_dim, gain, gain, 2);
  if (o.out_proj) to_out = register_module("to_out", torch::nn::Linear(inner, o.d_model));
}

torch::Tensor RotaryGalerkinAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                                   const torch::Tensor& pos, const TokenGrid&) {
  const auto& o = options_;
  const std::string name = o.cross ? "rotary galerkin cross attention" : "rotary galerkin attention";
  check_attention_inputs(name, x, context, o.d_model, o.cross);
  const auto& source = o.cross ? context : x;
  if (o.cross && context.size(1) != x.size(1))
    throw mismatch_error(name + ": context length", fmt::format("the query's length {} (both on one grid)", x.size(1)),
                         std::to_string(context.size(1)));
  if (o.rotary_scale > 0) check_positions(name, pos, x, 2, "2-D rotary embedding");
  auto q = split_heads(to_q->forward(x), o.heads);
  const auto kv = to_kv->forward(source).chunk(2, -1);
  const auto instance_norm = [&](const torch::Tensor& t) { return torch::layer_norm(t, {o.head_dim}, {}, {}, 1e-5); };
  auto k = instance_norm(split_heads(kv[0], o.heads));
  const auto v = instance_norm(split_heads(kv[1], o.heads));
  if (o.rotary_scale > 0) {
    const Rotary2d rotary{o.rotary_scale, o.min_freq};
    const auto p = pos.to(x.scalar_type());
    q = rotary.apply(q, p);
    k = rotary.apply(k, p);
  }
  const auto out = merge_heads(torch::matmul(q, torch::matmul(k.transpose(2, 3), v)) / static_cast<double>(source.size(1)));
  return o.out_proj ? to_out->forward(out) : out;
}

std::string RotaryGalerkinAttentionImpl::describe() const {
  const auto& o = options_;
  return fmt::format("RotaryGalerkinAttention({}, d_model {}, heads {} × {}, rotary scale {}{})",
                     o.cross ? "cross" : "self", o.d_model, o.heads, o.head_dim, o.rotary_scale,
                     o.out_proj ? "" : ", no output projection");
}

}  // namespace mno::nn
