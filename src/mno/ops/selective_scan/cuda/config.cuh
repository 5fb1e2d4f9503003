#pragma once
// Thread layout of the kernels, chosen by the state size N.
//
// A channel is scanned by Q lanes of one warp, each lane owning NS of its states (n = q + Q·j)
// in registers and walking the channel's L positions in order: the recurrence stays in
// registers, one exp per (position, state), and y_t is the sum over the Q lanes (shuffles).
// Parallelism comes from batch × channels × Q; the B/C chunk of the block's group is staged
// once in shared memory for its CPB channels (the anchor re-reads it for every channel).
namespace mno::ops::scan_cuda::detail {

template <int Q_, int NS_, int CHUNK_, int SAVE_, int SUB_> struct Config {
  static constexpr int Q = Q_;          // lanes per channel (power of two, ≤ 32)
  static constexpr int NS = NS_;        // states per lane
  static constexpr int NP = Q * NS;     // padded state count
  static constexpr int CHUNK = CHUNK_;  // forward: positions staged in shared memory at a time
  static constexpr int SAVE = SAVE_;    // steps between saved states (backward's chunk)
  static constexpr int SUB = SUB_;      // backward: steps whose states are recomputed into registers
  static_assert(CHUNK == SAVE && SAVE % SUB == 0 && CHUNK % 4 == 0, "the forward saves the state at each chunk start");
};

using SmallN = Config<8, 2, 64, 64, 16>;   // N ≤ 16 (MNO and Mamba use 16)
using LargeN = Config<32, 8, 16, 16, 4>;   // 16 < N ≤ 256

}  // namespace mno::ops::scan_cuda::detail
