#pragma once
// Tensor helpers every op's CPU and CUDA paths share: inputs brought to one dtype and layout,
// raw pointers of optional tensors, gradients handed back in their inputs' dtypes.
#include <torch/torch.h>

namespace mno::ops::prep {

// t in dtype dt, contiguous; undefined stays undefined.
inline torch::Tensor as_contiguous(const torch::Tensor& t, at::ScalarType dt) {
  return t.defined() ? t.to(dt).contiguous() : torch::Tensor();
}

// The data pointer of an optional tensor (null when undefined).
template <typename T> T* data_or_null(const torch::Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; }

// A gradient in its input's dtype (undefined when either is).
inline torch::Tensor cast_like(const torch::Tensor& grad, const torch::Tensor& input) {
  return grad.defined() && input.defined() ? grad.to(input.scalar_type()) : torch::Tensor();
}

}  // namespace mno::ops::prep
