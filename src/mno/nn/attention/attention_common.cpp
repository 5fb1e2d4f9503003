#include "mno/nn/attention/attention_common.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::nn {

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

void check_attention_inputs(const std::string& mixer, const torch::Tensor& x, const torch::Tensor& context,
                            int64_t d_model, bool cross) {
  const auto expect_tokens = [&](const torch::Tensor& t, const char* name) {
    if (!t.defined() || t.dim() != 3 || t.size(2) != d_model)
      throw mismatch_error(fmt::format("{}: input '{}'", mixer, name), fmt::format("[batch, L, {}]", d_model),
                           compat::shape_str(t));
  };
  expect_tokens(x, "x");
  if (!cross) {
    check(!context.defined(), "{} is a self mixer: it takes no context (use the mixer's cross form)", mixer);
    return;
  }
  check(context.defined(), "{} is a cross mixer: it needs a context tensor [batch, L, {}] beside the query", mixer,
        d_model);
  expect_tokens(context, "context");
  if (context.size(0) != x.size(0))
    throw mismatch_error(fmt::format("{}: context batch", mixer), std::to_string(x.size(0)),
                         std::to_string(context.size(0)));
}

void check_positions(const std::string& mixer, const torch::Tensor& pos, const torch::Tensor& tokens, int64_t dims,
                     const std::string& why) {
  if (!pos.defined() || pos.dim() != 3 || pos.size(0) != tokens.size(0) || pos.size(1) != tokens.size(1) ||
      pos.size(2) != dims)
    throw mismatch_error(fmt::format("{}: positions 'pos' ({})", mixer, why),
                         compat::shape_str({tokens.size(0), tokens.size(1), dims}), compat::shape_str(pos));
}

std::string key_where(const ConfigNode& node, const std::string& key) {
  return fmt::format("{}: key '{}'", node.source(), node.path_of(key));
}

int64_t positive_key(const ConfigNode& node, const std::string& key, int64_t fallback) {
  const auto v = node.get<int64_t>(key, fallback);
  if (v < 1) throw mismatch_error(key_where(node, key), "a positive integer", std::to_string(v));
  return v;
}

int64_t head_dim_key(const ConfigNode& node, int64_t d_model, int64_t heads) {
  if (node.has("head_dim")) return positive_key(node, "head_dim", 1);
  if (d_model % heads != 0)
    throw mismatch_error(key_where(node, "heads"), fmt::format("a divisor of d_model {} (or set head_dim)", d_model),
                         std::to_string(heads));
  return d_model / heads;
}

void xavier_with_diagonal_(torch::Tensor weight, double gain, double diagonal) {
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(weight, gain);
  const int64_t n = std::min(weight.size(0), weight.size(1));
  weight.narrow(0, 0, n).narrow(1, 0, n).add_(torch::eye(n, weight.options()) * diagonal);
}

void orthogonal_heads_(torch::Tensor weight, int64_t heads, int64_t head_dim, double gain, double diagonal,
                       int64_t blocks) {
  torch::NoGradGuard no_grad;
  for (int64_t b = 0; b < blocks * heads; ++b) {
    auto block = weight.narrow(0, b * head_dim, head_dim);
    auto fresh = torch::empty_like(block);
    torch::nn::init::orthogonal_(fresh, gain);
    const int64_t n = std::min(head_dim, weight.size(1));
    fresh.narrow(0, 0, n).narrow(1, 0, n).add_(torch::eye(n, weight.options()) * diagonal);
    block.copy_(fresh);
  }
}

}  // namespace mno::nn

namespace mno::nn {

PerHeadLayerNormImpl::PerHeadLayerNormImpl(int64_t heads, int64_t dim, double eps) : dim_(dim), eps_(eps) {
  weight = register_parameter("weight", torch::ones({heads, dim}));
  bias = register_parameter("bias", torch::zeros({heads, dim}));
}

torch::Tensor PerHeadLayerNormImpl::forward(const torch::Tensor& x) {
  const auto normalised = torch::layer_norm(x, {dim_}, {}, {}, eps_);
  return normalised * weight.unsqueeze(1) + bias.unsqueeze(1);
}

}  // namespace mno::nn
