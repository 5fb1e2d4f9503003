#pragma once
// The CUDA selective scan on raw device pointers: the parameter structs and launchers that
// cuda_dispatch.cpp fills from tensors. Plain C++ (no LibTorch, no CUDA headers), so the .cu files
// build with nvcc against any Torch version and CI compiles them without a GPU.
//
// Layouts (all contiguous; "T" is the input dtype, fp32 / fp16 / bf16, named by `dtype`):
//   u, z, y, dout, du, dz          : T     [batch, E, L]
//   delta, ddelta                  : T     [batch, C, L]       (C = K·E, direction-major)
//   A, dA                          : float [C, N]
//   B, C variable (groups > 0)     : T     [batch, G, N, L]    dB, dC: float, same shape
//   B, C time-invariant (groups 0) : float [C, N]              dB, dC: float [C, N]
//   D, delta_bias, dD, ddelta_bias : float [C]
//   y_acc, g                       : float [batch, E, L]       scratch / saved pre-gate output
//   chunk_states                   : float [batch, C, n_saved, N]: the state at the start of every
//                                    save interval (save_interval(N) steps): all backward needs.
// Directions run in separate blocks and add y (and du) into a float accumulator when K > 1:
// y (du) itself for fp32, y_acc (du_acc) otherwise — not bit-reproducible for K = 4.
//   last_state                     : float [batch, C, N]
// Every float accumulator written with atomics (y_acc when K > 1, du_acc, dA, dB, dC, dD,
// ddelta_bias) must be zeroed by the caller; the launchers say which they zero themselves.
#include <cstdint>

#include "mno/ops/selective_scan/problem.h"

namespace mno::ops::scan_cuda {

enum class DType { f32, f16, bf16 };

// The shared problem (problem.h): activations are void (typed by `dtype`), A / D / delta_bias float.
struct Problem : ScanProblem<void, float> {
  DType dtype = DType::f32;
  void* stream = nullptr;  // cudaStream_t
};

struct ForwardOut {
  void* y = nullptr;               // T [batch, E, L]
  float* y_acc = nullptr;          // required with z (holds the pre-gate sum on return) or K > 1 in fp16/bf16
  float* chunk_states = nullptr;   // optional (needed for backward)
  float* last_state = nullptr;     // optional
};

struct BackwardIO {
  const void* dout = nullptr;      // T
  const float* y_pre = nullptr;    // required when z (ForwardOut::y_acc of the forward)
  const float* chunk_states = nullptr;  // required: from the forward
  float* g = nullptr;              // scratch, required when z
  void* du = nullptr;              // T
  float* du_acc = nullptr;         // scratch, required when K > 1 in fp16/bf16 (zeroed here)
  void* ddelta = nullptr;          // T
  void* dz = nullptr;              // T, required when z
  float* dA = nullptr;             // zeroed by the caller, like every float gradient below
  float* dB = nullptr;
  float* dC = nullptr;
  float* dD = nullptr;             // optional
  float* ddelta_bias = nullptr;    // optional
};

// Steps between saved states for a state size N (the chunk_states layout depends on it).
int64_t save_interval(int64_t N);
inline int64_t saved_chunks(int64_t L, int64_t N) { return (L + save_interval(N) - 1) / save_interval(N); }

// Launch on p.stream; throw std::runtime_error with the CUDA error text on failure.
void forward(const Problem& p, const ForwardOut& out);
void backward(const Problem& p, const BackwardIO& io);

}  // namespace mno::ops::scan_cuda
