#include "mno/nn/blocks/feed_forward.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::nn {

FeedForwardKind feed_forward_kind(const std::string& name, const std::string& where) {
  if (name == "relu") return FeedForwardKind::relu;
  if (name == "gelu") return FeedForwardKind::gelu;
  if (name == "geglu") return FeedForwardKind::geglu;
  throw mismatch_error(where, "one of relu, gelu, geglu", "'" + name + "'");
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t hidden, FeedForwardKind kind, double dropout) : kind_(kind) {
  const int64_t widen = kind == FeedForwardKind::geglu ? 2 : 1;
  in_ = register_module("fc1", torch::nn::Linear(dim, widen * hidden));
  out_ = register_module("fc2", torch::nn::Linear(hidden, dim));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  auto h = in_->forward(x);
  switch (kind_) {
    case FeedForwardKind::relu: h = torch::relu(h); break;
    case FeedForwardKind::gelu: h = torch::gelu(h); break;
    case FeedForwardKind::geglu: {
      const auto parts = h.chunk(2, -1);
      h = torch::gelu(parts[0]) * parts[1];
      break;
    }
  }
  return dropout_->forward(out_->forward(dropout_->forward(h)));
}

GaussianFourierFeaturesImpl::GaussianFourierFeaturesImpl(int64_t in, int64_t m, double scale) : in_(in) {
  B = register_parameter("B", torch::randn({in, m}) * scale, /*requires_grad=*/false);
}

torch::Tensor GaussianFourierFeaturesImpl::forward(const torch::Tensor& x) {
  if (x.dim() < 1 || x.size(-1) != in_)
    throw mismatch_error("Gaussian Fourier features: input", fmt::format("[..., {}]", in_), compat::shape_str(x));
  const auto angle = torch::matmul(x, B) * (2 * M_PI);
  return torch::cat({torch::sin(angle), torch::cos(angle)}, -1);
}

}  // namespace mno::nn
