#pragma once
// Thread layout of the kernels (forward.cu, backward.cu): one thread per (channel, state or pair of states).
//
// A block owns one batch row, one direction and a tile of `cpb` channels of that direction that
// share one B group and one C group; thread (cl, n) carries the states h[n], h[n + ⌈N/2⌉] of channel cl and walks
// all of L sequentially, S steps (a stage) at a time. The recurrence h = a·h + Δ·u·B is one FMA per
// step on the critical path, so a thread keeps the special-function unit (one exp2 per update)
// and the FMA pipe busy with almost no overhead: no per-state warp scans, no shuffles.
// Per stage the block stages B and C (read once, used by every channel of the tile), Δ after
// bias + softplus, Δ·u and u (computed once per channel and step, used by every state) in shared
// memory, double-buffered and prefetched into registers one stage ahead so the global loads of
// stage j+1 fly while stage j computes. The per-state terms C·h (forward) or gradient terms
// (backward) go to shared memory and are summed over the states (y, du, dΔ) or over the tile's
// channels (dB, dC) by the whole block after one barrier per stage.
// Directions run as separate blocks; their outputs meet in a float accumulator (atomic adds,
// K > 1 only), so y and du are still written once per direction-sum, never per direction copy.
namespace mno::ops::scan_cuda::detail {

// Steps per stage (= steps between saved states): kLongStage, or 8 for N > 64 so that the staged
// rows and the per-state terms of 256 states still fit in shared memory. MNO_SCAN_STAGE and
// MNO_SCAN_BWD_MIN_BLOCKS exist for tools/device/scan-lab.sh experiments (NVCC_FLAGS=-D…);
// the defaults are the measured choice (docs/gpu.md).
#ifndef MNO_SCAN_STAGE
#define MNO_SCAN_STAGE 32
#endif
#ifdef MNO_SCAN_BWD_MIN_BLOCKS  // blocks per SM the backward must fit (caps its registers)
#define MNO_SCAN_BWD_BOUNDS __launch_bounds__(kMaxThreads, MNO_SCAN_BWD_MIN_BLOCKS)
#else
#define MNO_SCAN_BWD_BOUNDS __launch_bounds__(kMaxThreads)
#endif
constexpr int kLongStage = MNO_SCAN_STAGE, kShortStage = 8;
static_assert(kLongStage % 4 == 0 && kLongStage >= kShortStage, "a stage is whole 4-step vectors");
__host__ __device__ constexpr int stage_steps(long long N) { return N > 64 ? kShortStage : kLongStage; }
constexpr int kVec = 4;                // steps per staged vector (one 16-byte fp32 load)
template <int S> struct StageDims {
  static constexpr int kVecsPerRow = S / kVec;
  static constexpr int kPad = S + 4;   // a staged row's stride in floats: rows 16 bytes apart mod 128
};
constexpr int kTargetThreads = 64;     // forward, per block (cpb·⌈N/2⌉); small blocks spread the tail evenly
constexpr int kTargetThreadsBackward = 128;  // backward (cpb·N): more channels share each staged B/C
// In the forward each thread carries two states, n and n + ⌈N/2⌉: two independent recurrences
// per thread (more instructions in flight) and half the per-state terms to sum across threads.
// The backward keeps one: its recomputed states of a stage live in registers, and two states'
// worth spill (tried: 268 bytes of spills even with a_t recomputed).
__host__ __device__ constexpr int pair_rows(long long N) { return static_cast<int>((N + 1) / 2); }
constexpr int kMaxThreads = 256;       // N ≤ 256 → cpb = 1 at most this many
constexpr int kPrefetchBC = 4;         // B/C vectors a thread prefetches into registers per stage
constexpr int kPrefetchCh = 1;         // channel vectors (Δ, u[, g]) a thread prefetches per stage

}  // namespace mno::ops::scan_cuda::detail
