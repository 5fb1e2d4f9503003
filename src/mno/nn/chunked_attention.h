#pragma once
// Scaled dot-product attention softmax(q·kᵀ·scale)·v computed over blocks of query rows, so that
// no [Lq, Lk] matrix per head is ever held: LibTorch 1.13 has no fused attention, and at L = 16,384
// one fp32 score matrix per head is 1 GiB. The backward pass recomputes each block's
// probabilities from the saved row log-sum-exp (as flash attention does) instead of storing them.
#include <cstdint>

#include <torch/torch.h>

namespace mno::nn {

struct ChunkedAttentionOptions {
  double scale = 1.0;
  // Query rows per block; 0 = as many as keep one block's scores near 32 M elements.
  int64_t chunk = 0;
  // The GT code's dropout on the probabilities (p, always in training mode; docs/models.md, `softmax`).
  // 0 = off. When on, the blocks are differentiated by autograd (their probabilities are kept).
  double always_on_dropout = 0.0;
};

// q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] -> [B, H, Lq, dv].
torch::Tensor chunked_softmax_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const ChunkedAttentionOptions& options);

// The plain formula with the whole score matrix: the oracle for tests.
torch::Tensor softmax_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                          double scale);

}  // namespace mno::nn
