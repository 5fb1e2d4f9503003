#include "mno/ops/blocked_attention/blocked_attention.h"

#include <algorithm>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"

namespace mno::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

int64_t rows_per_block(const torch::Tensor& q, const torch::Tensor& k, int64_t requested) {
  const int64_t Lq = q.size(2);
  if (requested > 0) return std::min(requested, Lq);
  constexpr int64_t kScoreBudget = int64_t(1) << 25;  // elements of one block's score matrix
  const int64_t per_row = std::max<int64_t>(1, q.size(0) * q.size(1) * k.size(2));
  return std::clamp<int64_t>(kScoreBudget / per_row, 1, Lq);
}

// Forward saves q, k, v, the output and each row's log-sum-exp; backward recomputes the
// probabilities block by block: P = exp(S − lse), dS = P ⊙ (dO·vᵀ − rowsum(dO ⊙ O)).
struct BlockedSoftmaxAttention : public torch::autograd::Function<BlockedSoftmaxAttention> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, double scale, int64_t rows) {
    const int64_t Lq = q.size(2);
    auto out = torch::empty({q.size(0), q.size(1), Lq, v.size(3)}, q.options());
    auto lse = torch::empty({q.size(0), q.size(1), Lq, 1}, q.options());
    const auto kt = k.transpose(2, 3);
    for (int64_t s = 0; s < Lq; s += rows) {
      const int64_t n = std::min(rows, Lq - s);
      auto scores = torch::matmul(q.narrow(2, s, n), kt).mul_(scale);
      const auto row_max = std::get<0>(scores.max(-1, true));
      auto p = scores.sub_(row_max).exp_();
      const auto row_sum = p.sum(-1, true);
      out.narrow(2, s, n).copy_(torch::matmul(p, v).div_(row_sum));
      lse.narrow(2, s, n).copy_(row_sum.log().add_(row_max));
    }
    ctx->save_for_backward({q, k, v, out, lse});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["rows"] = rows;
    return {out};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4];
    const double scale = ctx->saved_data["scale"].toDouble();
    const int64_t rows = ctx->saved_data["rows"].toInt();
    const auto d_out = grads[0].contiguous();
    const auto delta = (d_out * out).sum(-1, true);  // rowsum(dO ⊙ O)
    auto dq = torch::empty_like(q), dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    const auto kt = k.transpose(2, 3), vt = v.transpose(2, 3);
    const int64_t Lq = q.size(2);
    for (int64_t s = 0; s < Lq; s += rows) {
      const int64_t n = std::min(rows, Lq - s);
      const auto qs = q.narrow(2, s, n), dos = d_out.narrow(2, s, n);
      auto p = torch::matmul(qs, kt).mul_(scale).sub_(lse.narrow(2, s, n)).exp_();
      dv.add_(torch::matmul(p.transpose(2, 3), dos));
      auto ds = torch::matmul(dos, vt).sub_(delta.narrow(2, s, n)).mul_(p).mul_(scale);
      dq.narrow(2, s, n).copy_(torch::matmul(ds, k));
      dk.add_(torch::matmul(ds.transpose(2, 3), qs));
    }
    return {dq, dk, dv, torch::Tensor(), torch::Tensor()};
  }
};

// The blocks through plain autograd: used only for the always-on dropout quirk.
torch::Tensor blocked_with_dropout(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   double scale, int64_t rows, double p) {
  std::vector<torch::Tensor> blocks;
  const auto kt = k.transpose(2, 3);
  for (int64_t s = 0; s < q.size(2); s += rows) {
    const int64_t n = std::min(rows, q.size(2) - s);
    auto probs = torch::softmax(torch::matmul(q.narrow(2, s, n), kt) * scale, -1);
    blocks.push_back(torch::matmul(torch::dropout(probs, p, /*train=*/true), v));
  }
  return torch::cat(blocks, 2);
}

#if MNO_TORCH_AT_LEAST(2, 1)
constexpr bool kHaveSdpa = true;
#else
constexpr bool kHaveSdpa = false;
#endif

// q, k, v with their head dimensions zero-padded to a multiple of 8: the fused backends' alignment
// rule (GT's heads of 32 + 2 position features are 34 wide). Zero columns in q and k add nothing
// to any score; zero columns in v give zero output columns, cut off again after the kernel.
struct PaddedHeads {
  torch::Tensor q, k, v;
  int64_t value_dim;
};

PaddedHeads pad_heads(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const auto pad = [](const torch::Tensor& t) {
    const int64_t d = t.size(-1), to = (d + 7) / 8 * 8;
    return d == to ? t : torch::constant_pad_nd(t, {0, to - d});
  };
  return {pad(q), pad(k), pad(v), v.size(-1)};
}

// LibTorch's sdp::SDPBackend as words; "" for math (the materialising fallback) and errors.
[[maybe_unused]] std::string fused_backend_name(int64_t backend) {
  switch (backend) {
    case 1: return "flash attention (LibTorch SDPA)";
    case 2: return "memory-efficient attention (LibTorch SDPA)";
    case 3: return "cuDNN attention (LibTorch SDPA)";
    default: return "";
  }
}

// The fused backend LibTorch would run for these (padded) inputs, or "" when none.
std::string fused_backend(const PaddedHeads& p, double scale) {
#if MNO_TORCH_AT_LEAST(2, 1)
  return fused_backend_name(at::_fused_sdp_choice(p.q, p.k, p.v, c10::nullopt, 0.0, false, scale));
#else
  (void)p, (void)scale;
  return "";
#endif
}

torch::Tensor fused_attention(const PaddedHeads& p, double scale) {
#if MNO_TORCH_AT_LEAST(2, 1)
  return at::scaled_dot_product_attention(p.q, p.k, p.v, {}, 0.0, false, scale).narrow(-1, 0, p.value_dim);
#else
  (void)p, (void)scale;
  throw Error("softmax attention: the fused kernel needs LibTorch 2.1 or later");
#endif
}

void check_qkv(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const bool ok = q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && k.size(0) == q.size(0) && v.size(0) == q.size(0) &&
                  k.size(1) == q.size(1) && v.size(1) == q.size(1) && k.size(3) == q.size(3) && v.size(2) == k.size(2);
  if (!ok)
    throw mismatch_error("softmax attention: q, k, v", "[B, H, Lq, d], [B, H, Lk, d], [B, H, Lk, dv]",
                         fmt::format("{}, {}, {}", compat::shape_str(q), compat::shape_str(k), compat::shape_str(v)));
}

// Whether the fused kernel may run at all (both entry points below ask this, then fused_backend):
// not when the blocked kernel is asked for by name, nor with the always-on dropout quirk (its
// masks follow LibTorch's dropout, so a run with it is the same on every LibTorch version), nor
// before LibTorch 2.1. Asked before padding, so the blocked path never pads.
bool fused_allowed(const BlockedAttentionOptions& options) {
  return kHaveSdpa && options.kernel != BlockedAttentionOptions::Kernel::blocked && options.always_on_dropout <= 0;
}

// q, k and v in one dtype, the widest of theirs. Under bf16 autocast a projection's output is
// bf16 beside an fp32 LayerNorm's, and neither LibTorch's fused-kernel choice (it answers "none"
// for mixed dtypes) nor our blocked kernel's backward (it runs outside autocast, where a matmul of
// bf16 and fp32 fails) takes mixed dtypes. Under autocast the fused kernel still runs in bf16:
// scaled_dot_product_attention is on autocast's lower-precision list.
struct SameDtype {
  torch::Tensor q, k, v;
};

SameDtype same_dtype(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const auto dt = at::promote_types(at::promote_types(q.scalar_type(), k.scalar_type()), v.scalar_type());
  return {q.to(dt), k.to(dt), v.to(dt)};
}

}  // namespace

std::string softmax_attention_kernel(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                     const BlockedAttentionOptions& options) {
  check_qkv(q_in, k_in, v_in);
  const auto [q, k, v] = same_dtype(q_in, k_in, v_in);
  const std::string fused = fused_allowed(options) ? fused_backend(pad_heads(q, k, v), options.scale) : "";
  return fused.empty() ? "blocked" : fused;
}

torch::Tensor blocked_softmax_attention(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                        const BlockedAttentionOptions& options) {
  check_qkv(q_in, k_in, v_in);
  const auto [q, k, v] = same_dtype(q_in, k_in, v_in);
  if (fused_allowed(options)) {
    const PaddedHeads padded = pad_heads(q, k, v);
    if (!fused_backend(padded, options.scale).empty()) return fused_attention(padded, options.scale);
  }
  if (options.kernel == BlockedAttentionOptions::Kernel::fused)
    throw Error(fmt::format("softmax attention: no fused kernel for {} {} inputs with LibTorch {} (it needs 2.1 or "
                              "later, a fused backend for this device and dtype, and no always-on dropout); use the "
                              "blocked kernel",
                              q.device().str(), compat::dtype_str(q), compat::torch_version()));
  const int64_t rows = rows_per_block(q, k, options.chunk);
  if (options.always_on_dropout > 0) return blocked_with_dropout(q, k, v, options.scale, rows, options.always_on_dropout);
  return BlockedSoftmaxAttention::apply(q.contiguous(), k.contiguous(), v.contiguous(), options.scale, rows)[0];
}

torch::Tensor softmax_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                          double scale) {
  return torch::matmul(torch::softmax(torch::matmul(q, k.transpose(2, 3)) * scale, -1), v);
}

}  // namespace mno::ops
