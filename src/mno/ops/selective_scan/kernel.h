#pragma once
// The CPU selective-scan kernel on raw pointers (no LibTorch here: the same inputs a CUDA launcher
// gets). cpu.cpp prepares these arrays from tensors; kernel.inc implements them once, compiled per
// instruction set (kernel_generic.cpp, kernel_avx2.cpp) and chosen at run time (cpu_dispatch.cpp,
// cpu_isa.h).
//
// Layouts (all contiguous, T = float or double; the state width N is padded to Npad, a multiple
// of the SIMD width, with zeros — a padded state stays 0 and adds nothing):
//   u, z, y, y_pre, du, dz, dout : [batch, E, L]         delta, ddelta : [batch, C, L]
//   A, dA                        : [C, Npad]             D, delta_bias, dD, ddelta_bias : [C]
//   B, C (variable)              : [batch, G, L, Npad]   (transposed from the contract's [batch, G, N, L])
//   B, C (time-invariant)        : [C, Npad]             last_state : [batch, C, N]
//   walk                         : [K, L] — walk[k*L + t] is the position direction k visits at step t.
#include <cstdint>
#include <functional>

#include "mno/ops/selective_scan/problem.h"

namespace mno::ops::scan_kernel {

// The shared problem (problem.h) plus what only the CPU kernel reads.
template <typename T> struct Problem : ScanProblem<T, T> {
  int64_t Npad = 0;                // N padded to a multiple of simd_width<T>()
  const int32_t* walk = nullptr;   // [K, L]
};

template <typename T> struct ForwardOut {
  T* y = nullptr;           // [batch, E, L]
  T* y_pre = nullptr;       // optional: y before the gate (saved for backward when z is given)
  T* last_state = nullptr;  // optional: [batch, C, N]
};

template <typename T> struct BackwardIO {
  const T* dout = nullptr;   // gradient of y
  const T* y_pre = nullptr;  // required when z is given
  T* du = nullptr;
  T* ddelta = nullptr;
  T* dA = nullptr;
  T* dB = nullptr;  // same layout as B
  T* dC = nullptr;  // same layout as C
  T* dD = nullptr;  // optional
  T* ddelta_bias = nullptr;  // optional
  T* dz = nullptr;  // required when z is given
};

// Runs body(begin, end) over [0, n) split across threads (at::parallel_for in practice).
using ParallelFor = std::function<void(int64_t n, const std::function<void(int64_t, int64_t)>& body)>;

template <typename T> void forward(const Problem<T>& p, const ForwardOut<T>& out, const ParallelFor& pfor, int threads);
// Backward splits its work by the shape alone, never by the thread count, so that gradients are
// bitwise the same on any machine.
template <typename T> void backward(const Problem<T>& p, const BackwardIO<T>& io, const ParallelFor& pfor);

// SIMD width in elements of T (the padding unit of Npad).
template <typename T> constexpr int64_t simd_width() { return 32 / sizeof(T); }

}  // namespace mno::ops::scan_kernel
