#pragma once
// The order in which an S6 layer scans its tokens (docs/irregular.md). A selective scan is a
// recurrence: it needs a sequence, and scattered points have none but the file's. The layer can
// instead sort its tokens along a curve through their positions, scan them in that order and put
// the result back in the tokens' order:
//   index    the tokens as they come (on a grid: row-major, the authors' raster) — no sorting
//   raster   row by row over the positions quantised to a 2^bits × 2^bits grid (on a regular grid
//            this is the same as index)
//   hilbert  along the Hilbert curve over that grid: consecutive cells are always neighbours
//   morton   along the Z-order (Morton) curve: bits of the two coordinates interleaved
// Sorting is a gather of the [B, L, D] tokens by a permutation per sample and the inverse gather
// after the scan; gradients flow through both. Positions must lie in the unit box [0, 1]².
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::nn {

enum class ScanOrder { index, raster, hilbert, morton };

// "index" | "raster" | "hilbert" | "morton"; anything else is an error naming `where`.
ScanOrder parse_scan_order(const std::string& name, const std::string& where);
std::string scan_order_name(ScanOrder order);

// Cells per side of the quantisation grid: 2^16 (a key fits 32 bits).
inline constexpr int kScanOrderBits = 16;

// The curves, one cell at a time (what scan_order_keys runs on every point): the position of cell (i, j) —
// i along the first coordinate, j along the second, both in [0, 2^bits) — on each curve.
uint64_t hilbert_key(uint32_t i, uint32_t j, int bits);
uint64_t morton_key(uint32_t i, uint32_t j, int bits);
uint64_t raster_key(uint32_t i, uint32_t j, int bits);

// Keys of every point: pos [B, L, 2] in [0, 1]² -> int64 [B, L] on pos's device. Computed on the
// host with the per-cell walks above (one small copy; as tensor ops the walks were hundreds of
// kernel launches). Checks pos (finite, inside the unit box, shape).
torch::Tensor scan_order_keys(const torch::Tensor& pos, ScanOrder order, int bits = kScanOrderBits);

// The permutation that sorts each sample's points along the curve: perm[b, t] is the token
// visited at step t (ties broken by token index). int64 [B, L] on pos's device; for `index`,
// undefined (nothing to sort).
torch::Tensor scan_permutation(const torch::Tensor& pos, ScanOrder order, int bits = kScanOrderBits);

// Tokens x [B, L, D] in a permutation's order, and back.
class TokenOrder {
 public:
  TokenOrder() = default;  // the identity
  explicit TokenOrder(torch::Tensor perm);
  torch::Tensor apply(const torch::Tensor& x) const;  // y[b, t] = x[b, perm[b, t]]
  torch::Tensor undo(const torch::Tensor& y) const;   // the inverse of apply
  bool identity() const { return !perm_.defined(); }
  const torch::Tensor& permutation() const { return perm_; }

 private:
  torch::Tensor perm_, inverse_;
};

// The TokenOrder of these positions, sorted once and shared: every layer of a model is handed the
// same pos tensor in a forward, so the first layer sorts and the others reuse it (per thread, the
// last few positions tensors, recognised by identity and version). `who` names the layer in errors.
// `transposed`: along the curve through the positions with their two coordinates swapped (the
// second curve of a 4-direction scan, as a grid's columns are to its rows).
TokenOrder token_order(const torch::Tensor& pos, ScanOrder order, const std::string& who, bool transposed = false);

}  // namespace mno::nn
