#pragma once
// Thread layout of the kernels (forward.cu, backward.cu).
//
// A block owns one batch row and a tile of up to kMaxWarps u-channels, and walks every direction
// of them in turn (directions fused: y and du are summed on the way, written once at the last
// direction). Warp w scans channel w of the tile: L is cut into chunks of kChunk steps, lane l
// holds the kItems consecutive steps l·kItems … of the chunk in registers, and the states
// n = 0 … N-1 are taken one after the other. For each n the lane folds its steps into one affine
// map (Π a, h from 0), a warp-wide associative scan of those maps (shuffles) gives each lane its
// starting state, and a last pass over the lane's steps produces the states — one exp per
// (position, state), the running state of every n carried across chunks in shared memory.
// The block stages each chunk's B/C (shared by the tile's channels) and its Δ, u (, dout)
// rows in shared memory with coalesced loads in walk order, so reversed and transposed
// directions are index maps and lanes read their steps as 16-byte vectors.
namespace mno::ops::scan_cuda::detail {

constexpr int kItems = 8;                 // consecutive steps per lane
constexpr int kChunk = 32 * kItems;       // steps per chunk (= per warp pass)
constexpr int kRowStride = 32 * (kItems + 4);  // a staged row: lanes 16 bytes apart mod 128 (no bank conflicts)
constexpr int kMaxWarps = 8;              // channels per block
constexpr int kStageMaxN = 32;            // larger N: B/C are read from global memory, not staged

// Where step s of a chunk lives in a padded row.
__host__ __device__ constexpr int row_index(int s) { return (s / kItems) * (kItems + 4) + s % kItems; }

}  // namespace mno::ops::scan_cuda::detail
