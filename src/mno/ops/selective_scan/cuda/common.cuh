#pragma once
// Device helpers shared by the forward and backward kernels: dtype conversion, the direction
// index maps, softplus, the block tiling and error checks.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "mno/ops/selective_scan/cuda/config.cuh"
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

// Blocks own (batch, a tile of up to kMaxWarps u-channels) and walk every direction of them.
// Every tile lies inside one B group and one C group for every direction, so the block stages one
// B/C chunk in shared memory for all its channels: tiles are cut inside segments of
// gcd(E, C/G_B, C/G_C) u-channels, which no group boundary crosses (group boundaries sit at
// multiples of C/G, direction boundaries at multiples of E).
struct Tiling {
  int cpb;        // channels per block (= warps per block)
  int segment;    // u-channels per segment
  int tiles_per_segment;
  int segments;   // E / segment
  int blocks() const { return segments * tiles_per_segment; }
  __device__ __forceinline__ void locate(int block, int& e0, int& count) const {
    const int seg = block / tiles_per_segment, tile = block % tiles_per_segment;
    e0 = seg * segment + tile * cpb;
    const int left = segment - tile * cpb;
    count = left < cpb ? left : cpb;
  }
};

// Channels per block: the most (B/C reuse) that still gives about two blocks per SM.
int warps_per_block(const Problem& p);

// ---- Warp-wide scans of affine maps h -> P·h + H (the selective-scan recurrence) -------------

// Inclusive scan from lane 0 upwards: lane l ends with the composition of lanes 0..l
// (lane l's map applied last).
__device__ __forceinline__ void warp_scan_up(float& P, float& H, int lane) {
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const float Pp = __shfl_up_sync(0xffffffffu, P, o), Hp = __shfl_up_sync(0xffffffffu, H, o);
    if (lane >= o) {
      H = fmaf(P, Hp, H);
      P *= Pp;
    }
  }
}

// Inclusive scan from lane 31 downwards: lane l ends with the composition of lanes l..31
// (lane l's map applied last).
__device__ __forceinline__ void warp_scan_down(float& P, float& H, int lane) {
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const float Pn = __shfl_down_sync(0xffffffffu, P, o), Hn = __shfl_down_sync(0xffffffffu, H, o);
    if (lane + o < 32) {
      H = fmaf(P, Hn, H);
      P *= Pn;
    }
  }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// ---- Staging a chunk (block-cooperative) ----------------------------------------------------

// One lane's kItems consecutive values of a staged row (or of a B/C row: stride kItems).
template <int STRIDE> __device__ __forceinline__ void load_items(const float* row, int lane, float (&v)[kItems]) {
  const float4* q = reinterpret_cast<const float4*>(row + lane * STRIDE);
#pragma unroll
  for (int i = 0; i < kItems / 4; ++i) {
    const float4 f = q[i];
    v[4 * i] = f.x, v[4 * i + 1] = f.y, v[4 * i + 2] = f.z, v[4 * i + 3] = f.w;
  }
}
template <int STRIDE> __device__ __forceinline__ void store_items(float* row, int lane, const float (&v)[kItems]) {
  float4* q = reinterpret_cast<float4*>(row + lane * STRIDE);
#pragma unroll
  for (int i = 0; i < kItems / 4; ++i) q[i] = make_float4(v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
}

// Block-cooperative copy of `total` elements: each thread loads kBatch of its elements (all
// independent, so they are in flight together) before storing any. A plain strided loop would
// wait for each global load in turn — the staging was latency-bound before this (ncu, H100:
// half of all stall cycles on L1TEX scoreboards).
constexpr int kBatch = 8;
template <typename Load, typename Store> __device__ __forceinline__ void block_copy(int total, Load load, Store store) {
  for (int base = threadIdx.x; base < total; base += kBatch * blockDim.x) {
    float v[kBatch];
#pragma unroll
    for (int m = 0; m < kBatch; ++m) {
      const int i = base + m * blockDim.x;
      v[m] = i < total ? load(i) : 0.f;
    }
#pragma unroll
    for (int m = 0; m < kBatch; ++m) {
      const int i = base + m * blockDim.x;
      if (i < total) store(i, v[m]);
    }
  }
}

// Input-dependent B (or C) of one group for the chunk at step t0 of direction k, as [N][kChunk]
// floats in walk order; 0 past L.
template <typename T>
__device__ __forceinline__ void stage_matrix(float* dst, const T* group, int N, int L, int k, int t0, int steps, const Walk& walk) {
  block_copy(
      N * kChunk,
      [&](int i) {
        const int n = i / kChunk, s = i % kChunk;
        return s < steps ? to_f(group[int64_t(n) * L + walk(k, t0 + s)]) : 0.f;
      },
      [&](int i, float v) { dst[i] = v; });
}

// One [rows][kChunk] slice of a [.., L] tensor (rows consecutive from `first`, `count` valid) into
// padded rows of `dst`, in walk order; 0 past L and for rows past `count`.
template <typename T>
__device__ __forceinline__ void stage_rows(float* dst, const T* first, int rows, int count, int L, int k, int t0, int steps,
                                           const Walk& walk) {
  block_copy(
      rows * kChunk,
      [&](int i) {
        const int r = i / kChunk, s = i % kChunk;
        return r < count && s < steps ? to_f(first[int64_t(r) * L + walk(k, t0 + s)]) : 0.f;
      },
      [&](int i, float v) { dst[(i / kChunk) * kRowStride + row_index(i % kChunk)] = v; });
}

// The B (or C) value of state n for a lane's steps: staged, read from global memory (N too
// large to stage), or time-invariant.
template <typename T> struct MatrixSource {
  const float* staged;   // [N][kChunk] or null
  const T* group;        // variable, not staged: [N][L] of this batch row's group
  __device__ __forceinline__ void load(int n, int lane, int L, int k, int t0, int steps, const Walk& walk,
                                       float constant, float (&v)[kItems]) const {
    if (staged) {
      load_items<kItems>(staged + n * kChunk, lane, v);
    } else if (group) {
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const int s = lane * kItems + i;
        v[i] = s < steps ? to_f(group[int64_t(n) * L + walk(k, t0 + s)]) : 0.f;
      }
    } else {
#pragma unroll
      for (int i = 0; i < kItems; ++i) v[i] = constant;
    }
  }
};

Tiling make_tiling(const Problem& p, int cpb);

// The first element of the B (or C) group that channel c reads in batch row b (variable B/C).
template <typename T> __device__ __forceinline__ const T* group_base(const void* m, int64_t groups, int64_t C, int64_t b, int64_t c,
                                                                    int N, int L) {
  return groups > 0 ? static_cast<const T*>(m) + (b * groups + c / (C / groups)) * int64_t(N) * L : nullptr;
}

}  // namespace mno::ops::scan_cuda::detail
