#pragma once
// The fused CPU path of the selective scan, on tensors: prepares the kernel's layouts (kernel.h)
// and runs it. Inputs are already validated (validate_scan_inputs).
#include <torch/torch.h>

#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::ops::scan_cpu {

struct Forward {
  torch::Tensor y;           // [batch, E, L], u's dtype
  torch::Tensor y_pre;       // y before the z gate (only when asked and z is given), compute dtype
  torch::Tensor last_state;  // [batch, C, N] when options.return_last_state
};

struct Grads {
  torch::Tensor du, ddelta, dA, dB, dC, dD, ddelta_bias, dz;  // each in its input's dtype; optional ones may be undefined
};

Forward forward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
                const torch::Tensor& z, const ScanOptions& options, bool keep_y_pre);

Grads backward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
               const torch::Tensor& z, const torch::Tensor& y_pre, const torch::Tensor& dout, const ScanOptions& options);

}  // namespace mno::ops::scan_cpu
