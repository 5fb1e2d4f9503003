#pragma once
// LayerNorm(x) ⊙ SiLU(z) as one differentiable op that saves only its inputs (x, z, and the norm's
// per-row mean and 1/std): the backward recomputes the norm's output and the gate, two cheap
// elementwise passes, instead of keeping both alive from the forward. SS2D's output path (the
// authors' `out_norm(y) * z`, with z = SiLU of in_proj's second half) costs two token-major
// activations less per layer this way — 128 MB a layer of the Darcy GT-Mamba at batch 8.
#include <torch/torch.h>

namespace mno::ops {

// x [..., E] normalised over its last dimension with the affine weight/bias [E] (either may be
// undefined) and eps, then multiplied by SiLU(z_pre), z_pre the shape of x. Differentiable in x,
// z_pre, weight and bias; the same values and gradients as the composition
// torch::layer_norm(x, {E}, weight, bias, eps) * torch::silu(z_pre) (tested, fp64).
// A lower-precision x (bf16 autocast) is normalised in the weight's dtype, as autocast's
// layer_norm does.
torch::Tensor gated_layer_norm(const torch::Tensor& x, const torch::Tensor& z_pre, const torch::Tensor& weight,
                               const torch::Tensor& bias, double eps);

}  // namespace mno::ops
