#pragma once
// Staging one stage (S walk steps) of a block's inputs into shared memory, prefetched.
//
// Work is cut into 4-step vectors ("units"): a B/C unit is four steps of one state's row of the
// group's B or C; a channel unit is four steps of each of a channel's rows (Δ and u, plus g in
// the backward) — one thread holds them all, so it can derive Δ after bias and softplus, Δ·u, …
// once per (channel, step) for every state of the channel. `load(j)` issues the global loads of
// stage j into registers (the first kPrefetch* units of each thread) and returns at once; the
// caller computes the current stage while they fly, then `commit(j, …)` writes them to shared
// memory and stages whatever did not fit in registers directly (small N or small tiles only).
#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda::detail {

template <typename T, int kChRows, int S> struct Stager {
  static constexpr int kVecsPerRow = StageDims<S>::kVecsPerRow, kPad = StageDims<S>::kPad;
  RowWalk rw;
  const T* mat[2];             // B, C group bases ([N][L]) that are staged, in order
  int nmat;                    // how many of them (0..2)
  const T* ch[kChRows];        // channel rows of the tile's first channel: row cl is ch[r] + cl·L
  const float* ch_float_last;  // if set, the last channel row is this fp32 tensor instead
  int N, count, tid, nthreads, L, cpb;

  // The units this thread prefetches, resolved once (prepare): where stage 0's vector starts
  // (vector path), its shared-memory offset (-1: no such unit) and its first step in a stage.
  const T* bc_src[kPrefetchBC];
  int bc_off[kPrefetchBC], bc_step[kPrefetchBC];
  const void* ch_src[kPrefetchCh][kChRows];
  int ch_cl[kPrefetchCh], ch_v[kPrefetchCh];
  float4 rbc[kPrefetchBC];
  float4 rch[kPrefetchCh][kChRows];

  __device__ int bc_units() const { return nmat * N * kVecsPerRow; }
  __device__ int ch_units() const { return cpb * kVecsPerRow; }
  __device__ const T* bc_row(int row) const {
    // (mat[row / N], not indexed at run time: that would put the whole struct in local memory)
    return (row < N ? mat[0] : mat[1]) + int64_t(row < N ? row : row - N) * L;
  }
  // Offset of the 4-vector at step t from a row's start on the vector path (before the stage shift).
  __device__ int vec_offset(int t) const { return rw.reversed ? L - kVec - t : t; }

  __device__ void prepare() {
#pragma unroll
    for (int m = 0; m < kPrefetchBC; ++m) {
      const int i = tid + m * nthreads, row = i / kVecsPerRow, v = i % kVecsPerRow;
      const bool on = i < bc_units();
      bc_off[m] = on ? row * kPad + kVec * v : -1;
      bc_step[m] = kVec * v;
      bc_src[m] = on ? bc_row(row) + vec_offset(kVec * v) : nullptr;
    }
#pragma unroll
    for (int m = 0; m < kPrefetchCh; ++m) {
      const int i = tid + m * nthreads;
      ch_cl[m] = i < ch_units() ? i / kVecsPerRow : -1;
      ch_v[m] = i % kVecsPerRow;
#pragma unroll
      for (int r = 0; r < kChRows; ++r) {
        const int64_t off = int64_t(ch_cl[m]) * L + vec_offset(kVec * ch_v[m]);
        ch_src[m][r] = r == kChRows - 1 && ch_float_last ? static_cast<const void*>(ch_float_last + off)
                                                         : static_cast<const void*>(ch[r] + off);
      }
    }
  }

  __device__ __forceinline__ float4 load_bc(int i, int t0) const {
    const int row = i / kVecsPerRow, v = i % kVecsPerRow;
    return rw.load(bc_row(row), t0 + kVec * v);
  }
  __device__ __forceinline__ void load_ch(int i, int t0, float4 (&out)[kChRows]) const {
    const int cl = i / kVecsPerRow, v = i % kVecsPerRow;
#pragma unroll
    for (int r = 0; r < kChRows; ++r) {
      if (cl >= count) {
        out[r] = make_float4(0.f, 0.f, 0.f, 0.f);
      } else if (r == kChRows - 1 && ch_float_last) {
        out[r] = rw.load(ch_float_last + int64_t(cl) * L, t0 + kVec * v);
      } else {
        out[r] = rw.load(ch[r] + int64_t(cl) * L, t0 + kVec * v);
      }
    }
  }
  // One prepared vector's raw bits (load_raw4): `src` shifted to stage t0 (the walk runs
  // backwards through memory when reversed), 0 past L.
  // `whole`: every step of the stage lies inside L (all stages but a partial last one), so no
  // per-vector bound check (it and the zeroing cost more instructions than the load).
  template <typename P> __device__ __forceinline__ void load_prepared(const void* src, int step, int t0, bool whole,
                                                                       float4& dst) const {
    if (whole || step + t0 < L) load_raw4(static_cast<const P*>(src) + (rw.reversed ? -t0 : t0), dst);
    else dst = make_float4(0.f, 0.f, 0.f, 0.f);
  }
  // A prefetched register as four walk steps: converted and, for the reversed walk, swapped.
  template <typename P> __device__ __forceinline__ float4 settle(const float4& r) const {
    if (!rw.vec) return r;  // the element-wise path loaded walk-ordered floats
    const float4 v = from_raw4<P>(r);
    return rw.reversed ? reversed4(v) : v;
  }

  // Issue the loads of stage j (the units that fit in registers).
  __device__ __forceinline__ void load(int j) {
    const int t0 = j * S;
    if (rw.vec) {
      const bool whole = t0 + S <= L;  // the same for the whole block
#pragma unroll
      for (int m = 0; m < kPrefetchBC; ++m)
        if (bc_off[m] >= 0) load_prepared<T>(bc_src[m], bc_step[m], t0, whole, rbc[m]);
#pragma unroll
      for (int m = 0; m < kPrefetchCh; ++m) {
        if (ch_cl[m] < 0) continue;
#pragma unroll
        for (int r = 0; r < kChRows; ++r) {
          if (ch_cl[m] >= count) rch[m][r] = make_float4(0.f, 0.f, 0.f, 0.f);
          else if (r == kChRows - 1 && ch_float_last) load_prepared<float>(ch_src[m][r], kVec * ch_v[m], t0, whole, rch[m][r]);
          else load_prepared<T>(ch_src[m][r], kVec * ch_v[m], t0, whole, rch[m][r]);
        }
      }
      return;
    }
    const int nbc = bc_units(), nch = ch_units();
#pragma unroll
    for (int m = 0; m < kPrefetchBC; ++m) {
      const int i = tid + m * nthreads;
      if (i < nbc) rbc[m] = load_bc(i, t0);
    }
#pragma unroll
    for (int m = 0; m < kPrefetchCh; ++m) {
      const int i = tid + m * nthreads;
      if (i < nch) load_ch(i, t0, rch[m]);
    }
  }

  // Write stage j to `buf` (B/C rows first, [nmat·N][kPad]); channel units go through
  // commit_ch(cl, v, t0, values) which derives and stores the channel rows.
  template <typename CommitCh> __device__ __forceinline__ void commit(int j, float* buf, CommitCh commit_ch) {
    const int t0 = j * S, nbc = bc_units(), nch = ch_units();
#pragma unroll
    for (int m = 0; m < kPrefetchBC; ++m)
      if (bc_off[m] >= 0) *reinterpret_cast<float4*>(buf + bc_off[m]) = settle<T>(rbc[m]);
#pragma unroll
    for (int m = 0; m < kPrefetchCh; ++m) {
      if (ch_cl[m] < 0) continue;
      float4 v[kChRows];
#pragma unroll
      for (int r = 0; r < kChRows; ++r)
        v[r] = r == kChRows - 1 && ch_float_last ? settle<float>(rch[m][r]) : settle<T>(rch[m][r]);
      commit_ch(ch_cl[m], ch_v[m], t0, v);
    }
    // What did not fit in registers: straight through.
    for (int i = tid + kPrefetchBC * nthreads; i < nbc; i += nthreads)
      *reinterpret_cast<float4*>(buf + (i / kVecsPerRow) * kPad + kVec * (i % kVecsPerRow)) = load_bc(i, t0);
    for (int i = tid + kPrefetchCh * nthreads; i < nch; i += nthreads) {
      float4 v[kChRows];
      load_ch(i, t0, v);
      commit_ch(i / kVecsPerRow, i % kVecsPerRow, t0, v);
    }
  }
};

}  // namespace mno::ops::scan_cuda::detail
