#pragma once
// The CUDA path of the selective scan, on tensors: prepares the raw-pointer launchers'
// arrays (cuda/launch.h) and allocates outputs. Compiled only where LibTorch has CUDA
// (MNO_WITH_CUDA); elsewhere built() is false and the other functions throw.
#include <torch/torch.h>

#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::ops::scan_cuda_path {

// True when this build has the CUDA kernels (not whether a GPU is present).
bool built();

struct Forward {
  torch::Tensor y;             // [batch, E, L], u's dtype
  torch::Tensor y_pre;         // fp32 pre-gate sum (when z is given): saved for backward
  torch::Tensor chunk_states;  // fp32 [batch, C, n_saved, N]: saved for backward
  torch::Tensor last_state;    // [batch, C, N] when options.return_last_state
};

struct Grads {
  torch::Tensor du, ddelta, dA, dB, dC, dD, ddelta_bias, dz;
};

Forward forward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
                const torch::Tensor& z, const ScanOptions& options);

Grads backward(const ScanShape& s, const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
               const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D, const torch::Tensor& delta_bias,
               const torch::Tensor& z, const torch::Tensor& y_pre, const torch::Tensor& chunk_states,
               const torch::Tensor& dout, const ScanOptions& options);

}  // namespace mno::ops::scan_cuda_path
