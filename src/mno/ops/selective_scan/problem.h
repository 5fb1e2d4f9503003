#pragma once
// One scan problem, for every backend: its sizes (ScanShape, what validate_scan_inputs returns)
// and its input arrays (ScanProblem). Plain C++ — no LibTorch, no CUDA headers — so that the CPU
// kernel (kernel.h), the CUDA launchers (cuda/launch.h) and the tensor-level code (selective_scan.h)
// read the same struct; each backend adds only what is its own (the CPU's padded state width and
// walk table, the CUDA dtype tag and stream).
#include <cstdint>

namespace mno::ops {

// The sizes of a validated call (the contract in selective_scan.h names them).
struct ScanShape {
  int64_t batch = 0, E = 0, C = 0, L = 0, N = 0, K = 1;
  int64_t groups_B = 0, groups_C = 0;  // 0 = time-invariant B / C
  int64_t height = 0, width = 0;       // the grid a K = 4 scan walks (ScanOptions; unused for K < 4)
};

// The shape plus the inputs. Act is the element type of the activations (u, delta, z, and B / C
// when they vary with the position): T on the CPU, void on CUDA where a dtype tag names it. Param
// is the type of A, D and delta_bias: T on the CPU, always float on CUDA.
template <typename Act, typename Param> struct ScanProblem : ScanShape {
  const Act* u = nullptr;
  const Act* delta = nullptr;
  const Param* A = nullptr;
  const Act* B = nullptr;
  const Act* Cm = nullptr;
  const Param* D = nullptr;           // optional
  const Param* delta_bias = nullptr;  // optional
  const Act* z = nullptr;             // optional gate: y = (sum over directions) * silu(z)
  bool delta_softplus = false;
};

}  // namespace mno::ops
