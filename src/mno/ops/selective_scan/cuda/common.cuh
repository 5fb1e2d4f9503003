#pragma once
// Device helpers shared by the forward and backward kernels: dtype conversion, the direction
// index maps, softplus, the block tiling and error checks.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "mno/ops/common/cuda/device_math.cuh"
#include "mno/ops/selective_scan/cuda/config.cuh"
#include "mno/ops/selective_scan/cuda/launch.h"

namespace mno::ops::scan_cuda::detail {

using cuda_common::fast_exp2;
using cuda_common::from_f;
using cuda_common::kLog2e;
using cuda_common::to_f;

inline void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("selective_scan (CUDA): ") + what + ": " + cudaGetErrorString(e));
}


// softplus with mamba_ssm's / PyTorch's threshold 20, on the fast intrinsics (it runs once per
// channel and step, but precise log1pf/expf cost ~70 instructions, as much as four states'
// updates): log(1 + t) of t = e^x by __logf when t ≥ 1/8 (absolute error ~4e-7 on a result
// ≥ 0.118), by its series otherwise (log of a rounded 1 + t would lose t's low bits; the series
// to t^8 is exact to ~6e-8 relative).
__device__ __forceinline__ float softplus(float x) {
  if (x > 20.f) return x;
  const float t = __expf(x);
  if (t >= 0.125f) return __logf(1.f + t);
  float s = -1.f / 8;
  s = fmaf(s, t, 1.f / 7);
  s = fmaf(s, t, -1.f / 6);
  s = fmaf(s, t, 1.f / 5);
  s = fmaf(s, t, -1.f / 4);
  s = fmaf(s, t, 1.f / 3);
  s = fmaf(s, t, -1.f / 2);
  s = fmaf(s, t, 1.f);
  return t * s;
}
__device__ __forceinline__ float dsoftplus(float x) { return x > 20.f ? 1.f : __fdividef(1.f, 1.f + __expf(-x)); }
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

// Blocks own (batch, direction, a tile of up to cpb channels of it). Every tile lies inside one B
// group and one C group, so the block stages one B/C stage in shared memory for all its
// channels: tiles are cut inside segments of
// gcd(E, C/G_B, C/G_C) u-channels, which no group boundary crosses (group boundaries sit at
// multiples of C/G, direction boundaries at multiples of E).
struct Tiling {
  int cpb;        // channels per block
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

// ---- Staging: four consecutive walk steps of a row at a time ----------------------------------

template <typename H2> __device__ __forceinline__ float4 widen(uint2 raw) {
  H2 lo, hi;
  memcpy(&lo, &raw.x, 4);
  memcpy(&hi, &raw.y, 4);
  return make_float4(to_f(lo.x), to_f(lo.y), to_f(hi.x), to_f(hi.y));
}

// The same four elements kept as raw bits in a float4 (fp32: as they are; 16-bit types: in .x
// and .y): a prefetch loads into these and converts only when it stores to shared memory, so no
// instruction waits on the load in between (a conversion or a swap right after the load would).
template <typename T> __device__ __forceinline__ void load_raw4(const T* p, float4& dst) {
  if constexpr (sizeof(T) == 4) {
    dst = __ldg(reinterpret_cast<const float4*>(p));
  } else {
    const uint2 r = __ldg(reinterpret_cast<const uint2*>(p));
    dst.x = __uint_as_float(r.x);
    dst.y = __uint_as_float(r.y);
  }
}
template <typename T> __device__ __forceinline__ float4 from_raw4(const float4& r) {
  if constexpr (sizeof(T) == 4) {
    return r;
  } else {
    using H2 = std::conditional_t<std::is_same<T, __half>::value, __half2, __nv_bfloat162>;
    return widen<H2>(make_uint2(__float_as_uint(r.x), __float_as_uint(r.y)));
  }
}

// Four consecutive elements as floats (16 bytes for fp32, 8 for fp16/bf16), read-only path.
template <typename T> __device__ __forceinline__ float4 load_vec4(const T* p) {
  float4 r;
  load_raw4(p, r);
  return from_raw4<T>(r);
}

// Shared-memory vectors of four floats, and one float four times.
__device__ __forceinline__ float4 lds4(const float* p) { return *reinterpret_cast<const float4*>(p); }
__device__ __forceinline__ void sts4(float* p, const float (&v)[kVec]) {
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ float4 splat4(float v) { return make_float4(v, v, v, v); }
__device__ __forceinline__ void add4(float4& acc, const float4& v) { acc.x += v.x, acc.y += v.y, acc.z += v.z, acc.w += v.w; }

__device__ __forceinline__ float4 reversed4(float4 v) { return make_float4(v.w, v.z, v.y, v.x); }
__device__ __forceinline__ float get(const float4& v, int i) { return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w; }

// How a block reads the rows of its direction: `vec` when the walk is linear (forward or
// reversed), L % 4 == 0 and the rows are aligned, so that four walk steps are one vector load
// (components swapped for the reversed walk); otherwise element by element through the walk.
struct RowWalk {
  Walk walk;
  int k;
  bool vec, reversed, linear;
  __device__ RowWalk(const Walk& w, int k_, bool aligned) : walk(w), k(k_) {
    linear = w.K <= 2 || k_ % 2 == 0;
    reversed = (w.K == 2 && k_ == 1) || (w.K == 4 && k_ == 2);
    vec = aligned && linear && w.L % kVec == 0;
  }
  // Memory offset of walk step t within a row.
  __device__ __forceinline__ int pos(int t) const { return linear ? (reversed ? walk.L - 1 - t : t) : walk(k, t); }
  // Walk steps t … t+3 of a row as floats, 0 past L.
  template <typename T> __device__ __forceinline__ float4 load(const T* row, int t) const {
    const int L = walk.L;
    if (vec) {
      if (t >= L) return make_float4(0.f, 0.f, 0.f, 0.f);
      return reversed ? reversed4(load_vec4(row + (L - kVec - t))) : load_vec4(row + t);
    }
    float r[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) r[i] = t + i < L ? to_f(row[pos(t + i)]) : 0.f;
    return make_float4(r[0], r[1], r[2], r[3]);
  }
  // Store v as walk steps t … t+3 of a row (steps past L dropped): one 16-byte store for fp32 on
  // the vector path, element by element otherwise.
  template <typename T> __device__ __forceinline__ void store(T* row, int t, float4 v) const {
    const int L = walk.L;
    if (std::is_same<T, float>::value && vec) {
      if (t >= L) return;
      if (reversed) *reinterpret_cast<float4*>(row + (L - kVec - t)) = reversed4(v);
      else *reinterpret_cast<float4*>(row + t) = v;
      return;
    }
#pragma unroll
    for (int i = 0; i < kVec; ++i)
      if (t + i < L) row[pos(t + i)] = from_f<T>(get(v, i));
  }
  // Atomically add v to walk steps t … t+3 of a float row (steps past L dropped).
  __device__ __forceinline__ void add(float* row, int t, float4 v) const {
    const int L = walk.L;
    if (vec) {
      if (t >= L) return;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
      // One 16-byte reduction instead of four (sm_90).
      if (reversed) atomicAdd(reinterpret_cast<float4*>(row + (L - kVec - t)), reversed4(v));
      else atomicAdd(reinterpret_cast<float4*>(row + t), v);
      return;
#endif
    }
#pragma unroll
    for (int i = 0; i < kVec; ++i)
      if (t + i < L) atomicAdd(row + pos(t + i), get(v, i));
  }
};

// Channels per block: about target_threads threads (cpb·⌈N/states_per_thread⌉), inside one segment.
int channels_per_block(const Problem& p, int states_per_thread, int target_threads);

// Whether every given row base allows the vector loads of RowWalk (4 elements of T).
template <typename T> bool vector_aligned(std::initializer_list<const void*> bases) {
  for (const void* q : bases)
    if (q && reinterpret_cast<std::uintptr_t>(q) % (kVec * sizeof(T)) != 0) return false;
  return true;
}

// Calls f(VarB, VarC, S) with compile-time constants for the problem: variable or
// time-invariant B and C, and the stage length for its N.
template <typename F> void with_variant(const Problem& p, F&& f) {
  using std::integral_constant;
  auto by_stage = [&](auto vb, auto vc) {
    if (stage_steps(p.N) == kLongStage) f(vb, vc, integral_constant<int, kLongStage>{});
    else f(vb, vc, integral_constant<int, kShortStage>{});
  };
  const bool vb = p.groups_B > 0, vc = p.groups_C > 0;
  if (vb && vc) by_stage(std::true_type{}, std::true_type{});
  else if (vb) by_stage(std::true_type{}, std::false_type{});
  else if (vc) by_stage(std::false_type{}, std::true_type{});
  else by_stage(std::false_type{}, std::false_type{});
}

Tiling make_tiling(const Problem& p, int cpb);

// The grid of a scan kernel: blocks (tile, direction, batch row).
dim3 scan_grid(const Problem& p, const Tiling& tiling);

// Blocks of 256 threads for an elementwise kernel over n elements: one element per thread up to
// 8192 blocks, beyond which its grid-stride loop covers the rest.
int elementwise_blocks(int64_t n);

// The first element of the B (or C) group that channel c reads in batch row b (variable B/C).
template <typename T> __device__ __forceinline__ const T* group_base(const void* m, int64_t groups, int64_t C, int64_t b, int64_t c,
                                                                    int N, int L) {
  return groups > 0 ? static_cast<const T*>(m) + (b * groups + c / (C / groups)) * int64_t(N) * L : nullptr;
}

}  // namespace mno::ops::scan_cuda::detail
