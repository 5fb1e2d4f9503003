#pragma once
// Scaled dot-product attention softmax(q·kᵀ·scale)·v without ever holding a [Lq, Lk] matrix per
// head (at L = 16,384 one fp32 score matrix per head is 1 GiB). Two kernels, the same maths:
// - fused: LibTorch's scaled_dot_product_attention (LibTorch >= 2.1) when it picks a fused
//   backend (flash or memory-efficient) for these inputs; head dimensions are zero-padded to a
//   multiple of 8, which every fused backend accepts and which changes no score or output.
// - blocked: our own, over blocks of query rows (LibTorch 1.13 has no fused attention); the
//   backward recomputes each block's probabilities from the saved row log-sum-exp (as flash
//   attention does) instead of storing them.
// `auto` takes the fused kernel when available and fused, else the blocked one — never
// LibTorch's plain "math" fallback, which materialises every score matrix.
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace mno::ops {

struct BlockedAttentionOptions {
  double scale = 1.0;
  // Query rows per block; 0 = as many as keep one block's scores near 32 M elements.
  int64_t chunk = 0;
  // The GT code's dropout on the probabilities (p, always in training mode; docs/models.md, `softmax`).
  // 0 = off. When on, the blocks are differentiated by autograd (their probabilities are kept).
  double always_on_dropout = 0.0;
  enum class Kernel { automatic, blocked, fused } kernel = Kernel::automatic;
};

// The kernel `automatic` runs for these inputs, in words: "flash attention (LibTorch SDPA)",
// "memory-efficient attention (LibTorch SDPA)", "cuDNN attention (LibTorch SDPA)" or "blocked".
std::string softmax_attention_kernel(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const BlockedAttentionOptions& options);

// q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] -> [B, H, Lq, dv]. Kernel::fused throws
// where LibTorch offers no fused kernel for these inputs (1.13, or an unsupported device/dtype).
torch::Tensor blocked_softmax_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const BlockedAttentionOptions& options);

// The plain formula with the whole score matrix: the oracle for tests.
torch::Tensor softmax_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                          double scale);

}  // namespace mno::ops
