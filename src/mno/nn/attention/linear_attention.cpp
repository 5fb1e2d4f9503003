#include "mno/nn/attention/linear_attention.h"

#include "mno/core/error.h"
#include "mno/nn/attention/attention_common.h"

namespace mno::nn {

LinearAttentionImpl::LinearAttentionImpl(const ConfigNode& node, int64_t d_model, bool cross)
    : d_model_(d_model), heads_(positive_key(node, "heads", 8)), cross_(cross) {
  if (d_model % heads_ != 0)
    throw mismatch_error(key_where(node, "heads"), fmt::format("a divisor of d_model {}", d_model),
                         std::to_string(heads_));
  query = register_module("query", torch::nn::Linear(d_model, d_model));
  key = register_module("key", torch::nn::Linear(d_model, d_model));
  value = register_module("value", torch::nn::Linear(d_model, d_model));
  proj = register_module("proj", torch::nn::Linear(d_model, d_model));
}

torch::Tensor LinearAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor&,
                                           const TokenGrid&) {
  const std::string name = cross_ ? "linear cross attention" : "linear attention";
  check_attention_inputs(name, x, context, d_model_, cross_);
  const auto& source = cross_ ? context : x;
  if (cross_ && context.size(1) != x.size(1))
    throw mismatch_error(name + ": context length", fmt::format("the query's length {} (both on one grid)", x.size(1)),
                         std::to_string(context.size(1)));
  const auto q = torch::softmax(split_heads(query->forward(x), heads_), -1);
  const auto k = torch::softmax(split_heads(key->forward(source), heads_), -1);
  const auto v = split_heads(value->forward(source), heads_);
  const auto inverse_norm = 1.0 / (q * k.sum(2, true)).sum(-1, true);
  const auto out = torch::matmul(q, torch::matmul(k.transpose(2, 3), v)) * inverse_norm + q;
  return proj->forward(merge_heads(out));
}

std::string LinearAttentionImpl::describe() const {
  return fmt::format("LinearAttention({}, d_model {}, heads {} × {}, GNOT-normalised)", cross_ ? "cross" : "self",
                     d_model_, heads_, d_model_ / heads_);
}

}  // namespace mno::nn
