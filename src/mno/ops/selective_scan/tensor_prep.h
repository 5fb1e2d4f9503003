#pragma once
// Tensor helpers shared by the CPU and CUDA paths (cpu.cpp, cuda_dispatch.cpp): dtype/layout
// preparation of the inputs, raw pointers of optional tensors, gradients back in the inputs' dtypes.
#include <torch/torch.h>

namespace mno::ops::scan_prep {

// t in dtype dt, contiguous; undefined stays undefined.
inline torch::Tensor as_contiguous(const torch::Tensor& t, at::ScalarType dt) {
  return t.defined() ? t.to(dt).contiguous() : torch::Tensor();
}

// The data pointer of an optional tensor (null when undefined).
template <typename T> T* data_or_null(const torch::Tensor& t) { return t.defined() ? t.data_ptr<T>() : nullptr; }

inline torch::Tensor cast_like(const torch::Tensor& grad, const torch::Tensor& input) {
  return grad.defined() && input.defined() ? grad.to(input.scalar_type()) : torch::Tensor();
}

// Every gradient in its input's dtype (Grads: scan_cpu::Grads or scan_cuda_path::Grads).
template <typename Grads>
void cast_grads_like(Grads& r, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                     const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                     const torch::Tensor& delta_bias, const torch::Tensor& z) {
  r.du = cast_like(r.du, u);
  r.ddelta = cast_like(r.ddelta, delta);
  r.dA = cast_like(r.dA, A);
  r.dB = cast_like(r.dB, B);
  r.dC = cast_like(r.dC, C);
  r.dD = cast_like(r.dD, D);
  r.ddelta_bias = cast_like(r.ddelta_bias, delta_bias);
  r.dz = cast_like(r.dz, z);
}

}  // namespace mno::ops::scan_prep
