#pragma once
// Device helpers shared by the forward and backward kernels: dtype conversion, the direction
// index maps, softplus, the block tiling and error checks.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "mno/ops/selective_scan/cuda/launch.h"

namespace mno::ops::scan_cuda::detail {

inline void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("selective_scan (CUDA): ") + what + ": " + cudaGetErrorString(e));
}

template <typename T> __device__ __forceinline__ float to_f(T x);
template <> __device__ __forceinline__ float to_f<float>(float x) { return x; }
template <> __device__ __forceinline__ float to_f<__half>(__half x) { return __half2float(x); }
template <> __device__ __forceinline__ float to_f<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T> __device__ __forceinline__ T from_f(float x);
template <> __device__ __forceinline__ float from_f<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_f<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// 2^x on the special-function unit (one MUFU.EX2; relative error ~2^-22, denormals flushed).
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

constexpr float kLog2e = 1.4426950408889634f;

// softplus with mamba_ssm's / PyTorch's threshold 20.
__device__ __forceinline__ float softplus(float x) { return x > 20.f ? x : log1pf(expf(x)); }
__device__ __forceinline__ float dsoftplus(float x) { return x > 20.f ? 1.f : 1.f / (1.f + expf(-x)); }
__device__ __forceinline__ float silu(float x) { return x / (1.f + expf(-x)); }
__device__ __forceinline__ float dsilu(float x) {
  const float s = 1.f / (1.f + expf(-x));
  return s * (1.f + x * (1.f - s));
}

// The position direction k visits at step t (selective_scan.h; validate.cpp direction_walks):
// K = 2: forward, reversed; K = 4 on H×W (row-major positions): rows, columns, and their reverses.
struct Walk {
  int K, L, H;  // H: grid height (K = 4)
  int W;
  __device__ __forceinline__ int operator()(int k, int t) const {
    if (k == 0) return t;
    if (K == 2) return L - 1 - t;
    const int s = k >= 2 ? L - 1 - t : t;
    if (k == 2) return s;
    return (s % H) * W + s / H;  // column-major step s = j·H + i visits i·W + j
  }
};

// Blocks own (batch, direction k, a tile of CPB u-channels). Every tile lies inside one B group
// and one C group, so the block stages one B/C chunk in shared memory for all its channels:
// tiles are cut inside segments of gcd(E, C/G_B, C/G_C) u-channels, which no group boundary
// crosses (group boundaries sit at multiples of C/G, direction boundaries at multiples of E).
struct Tiling {
  int cpb;        // channels per block
  int segment;    // u-channels per segment
  int tiles_per_segment;
  int segments;   // E / segment
  __device__ __forceinline__ void locate(int block, int& k, int& e0, int& count) const {
    const int per_k = segments * tiles_per_segment;
    k = block / per_k;
    const int r = block % per_k;
    const int seg = r / tiles_per_segment, tile = r % tiles_per_segment;
    e0 = seg * segment + tile * cpb;
    const int left = segment - tile * cpb;
    count = left < cpb ? left : cpb;
  }
};

Tiling make_tiling(const Problem& p, int cpb);
int64_t group_of(const Problem& p, int64_t groups, int64_t c);

}  // namespace mno::ops::scan_cuda::detail
