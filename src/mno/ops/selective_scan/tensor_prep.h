#pragma once
// The scan's gradients back in their inputs' dtypes (cpu.cpp, cuda_dispatch.cpp); the helpers
// every op shares are in ops/common/tensor_prep.h.
#include <torch/torch.h>

#include "mno/ops/common/tensor_prep.h"

namespace mno::ops::scan_prep {

using prep::as_contiguous;
using prep::cast_like;
using prep::data_or_null;

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
