#include "mno/nn/attention/softmax_attention.h"

#include <atomic>
#include <cmath>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/blocked_attention/blocked_attention.h"

namespace mno::nn {

SoftmaxAttentionOptions SoftmaxAttentionOptions::from_config(const ConfigNode& node, int64_t d_model, bool cross) {
  SoftmaxAttentionOptions o;
  o.d_model = d_model;
  o.cross = cross;
  o.heads = positive_key(node, "heads", o.heads);
  o.head_dim = head_dim_key(node, d_model, o.heads);
  o.qkv_bias = node.get<bool>("qkv_bias", o.qkv_bias);
  o.qk_norm = node.get<bool>("qk_norm", o.qk_norm);
  o.norm_eps = node.get<double>("norm_eps", o.norm_eps);
  o.pos_dim = node.get<int64_t>("pos_dim", o.pos_dim);
  if (o.pos_dim < 0) throw mismatch_error(key_where(node, "pos_dim"), "0 or more", std::to_string(o.pos_dim));
  o.rotary_scale = node.get<double>("rotary_scale", o.rotary_scale);
  o.min_freq = node.get<double>("min_freq", o.min_freq);
  if (o.rotary_scale < 0 || !(o.min_freq > 0))
    throw mismatch_error(key_where(node, "rotary_scale"), "rotary_scale >= 0 and min_freq > 0",
                         fmt::format("{} and {}", o.rotary_scale, o.min_freq));
  if (o.rotary_scale > 0 && o.head_dim % 4 != 0)
    throw mismatch_error(key_where(node, "head_dim"), "a multiple of 4 (2-D rotary embedding)",
                         std::to_string(o.head_dim));
  o.out_proj = node.get<bool>("out_proj", o.out_proj);
  if (!o.out_proj && o.width() != d_model)
    throw mismatch_error(key_where(node, "out_proj"),
                         fmt::format("true, or heads·(head_dim + pos_dim) = d_model {}", d_model),
                         fmt::format("false with width {}", o.width()));
  o.init = node.get<std::string>("init", o.init);
  if (o.init != "default" && o.init != "gt" && o.init != "orthogonal")
    throw mismatch_error(key_where(node, "init"), "one of default, gt, orthogonal", "'" + o.init + "'");
  o.chunk = node.get<int64_t>("chunk", o.chunk);
  if (o.chunk < 0) throw mismatch_error(key_where(node, "chunk"), "0 (automatic) or more", std::to_string(o.chunk));
  o.always_on_dropout = node.get<bool>("always_on_dropout", o.always_on_dropout);
  o.kernel = node.get<std::string>("kernel", o.kernel);
  if (o.kernel != "auto" && o.kernel != "blocked" && o.kernel != "fused")
    throw mismatch_error(key_where(node, "kernel"), "one of auto, blocked, fused", "'" + o.kernel + "'");
  return o;
}

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const SoftmaxAttentionOptions& o) : options_(o) {
  const int64_t D = o.d_model, inner = o.heads * o.head_dim;
  const auto projection = [&] { return torch::nn::Linear(torch::nn::LinearOptions(D, inner).bias(o.qkv_bias)); };
  to_q = register_module("to_q", projection());
  to_k = register_module("to_k", projection());
  to_v = register_module("to_v", projection());
  for (auto* layer : {&to_q, &to_k, &to_v}) {
    if (o.init == "gt") xavier_with_diagonal_((*layer)->weight, 0.01, 0.01);
    if (o.init == "orthogonal") orthogonal_heads_((*layer)->weight, o.heads, o.head_dim, 1.0 / o.head_dim, 0.0, 1);
    torch::NoGradGuard no_grad;
    if (o.init != "default" && o.qkv_bias) (*layer)->bias.zero_();
  }
  if (o.qk_norm) {
    norm_q = register_module("norm_q", PerHeadLayerNorm(o.heads, o.head_dim, o.norm_eps));
    norm_k = register_module("norm_k", PerHeadLayerNorm(o.heads, o.head_dim, o.norm_eps));
  }
  if (o.out_proj) to_out = register_module("to_out", torch::nn::Linear(o.width(), D));
}

torch::Tensor SoftmaxAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                            const torch::Tensor& pos, const TokenGrid&) {
  const auto& o = options_;
  const std::string name = o.cross ? "softmax cross attention" : "softmax attention";
  check_attention_inputs(name, x, context, o.d_model, o.cross);
  const auto& source = o.cross ? context : x;
  if (o.cross && context.size(1) != x.size(1))
    throw mismatch_error(name + ": context length", fmt::format("the query's length {} (both on one grid)", x.size(1)),
                         std::to_string(context.size(1)));
  if (o.pos_dim > 0) check_positions(name, pos, x, o.pos_dim, "concatenated to every head");
  if (o.rotary_scale > 0) check_positions(name, pos, x, 2, "2-D rotary embedding");
  auto q = split_heads(to_q->forward(x), o.heads);
  auto k = split_heads(to_k->forward(source), o.heads);
  auto v = split_heads(to_v->forward(source), o.heads);
  if (o.qk_norm) {
    q = norm_q->forward(q);
    k = norm_k->forward(k);
  }
  if (o.rotary_scale > 0) {
    const Rotary2d rotary{o.rotary_scale, o.min_freq};
    const auto p = pos.to(x.scalar_type());
    q = rotary.apply(q, p);
    k = rotary.apply(k, p);
  }
  if (o.pos_dim > 0) {
    const auto p = pos.to(x.scalar_type()).unsqueeze(1).expand({x.size(0), o.heads, x.size(1), o.pos_dim});
    q = torch::cat({p, q}, -1);
    k = torch::cat({p, k}, -1);
    v = torch::cat({p, v}, -1);
  }
  ops::BlockedAttentionOptions attention;
  attention.scale = 1.0 / std::sqrt(static_cast<double>(o.head_dim + o.pos_dim));
  attention.chunk = o.chunk;
  attention.always_on_dropout = o.always_on_dropout ? 0.5 : 0.0;
  using Kernel = ops::BlockedAttentionOptions::Kernel;
  attention.kernel = o.kernel == "fused" ? Kernel::fused : o.kernel == "blocked" ? Kernel::blocked : Kernel::automatic;
  static std::atomic<bool> reported{false};  // which kernel a run used belongs in its log, once
  if (!reported.exchange(true)) {
    log::info("{}: {} kernel for {} {} inputs", name, ops::softmax_attention_kernel(q, k, v, attention), q.device().str(),
               compat::dtype_str(q));
  }
  const auto out = merge_heads(ops::blocked_softmax_attention(q, k, v, attention));
  return o.out_proj ? to_out->forward(out) : out;
}

std::string SoftmaxAttentionImpl::describe() const {
  const auto& o = options_;
  std::string extras;
  if (o.qk_norm) extras += ", LayerNorm on q and k";
  if (o.pos_dim) extras += fmt::format(", + {} position features", o.pos_dim);
  if (o.rotary_scale > 0) extras += fmt::format(", 2-D rotary (scale {})", o.rotary_scale);
  if (!o.out_proj) extras += ", no output projection";
  if (o.always_on_dropout) extras += ", always-on dropout 0.5 [quirk]";
  return fmt::format("SoftmaxAttention({}, d_model {}, heads {} × {}{})", o.cross ? "cross" : "self", o.d_model,
                     o.heads, o.head_dim, extras);
}

}  // namespace mno::nn
