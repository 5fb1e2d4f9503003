// ops::blocked_softmax_attention (the blocked kernel, blocks of 4 query rows so that a block
// boundary falls inside every case) against the whole-matrix formula.
#include "mno/ops/blocked_attention/blocked_attention.h"
#include "ops/harness/op_harness.h"

namespace mno::testing {
namespace {

OpCase blocked_case(const std::string& name, torch::Dtype dtype, double tolerance, int64_t lq, int64_t lk) {
  OpCase c;
  c.op = "blocked_attention", c.name = name, c.dtype = dtype, c.tolerance = tolerance;
  c.inputs = [lq, lk](torch::Dtype dt) -> OpInputs {
    const auto o = torch::TensorOptions().dtype(dt);
    return {torch::randn({2, 2, lq, 4}, o), torch::randn({2, 2, lk, 4}, o), torch::randn({2, 2, lk, 3}, o)};
  };
  c.differentiable = {0, 1, 2};
  c.fast = [](const OpInputs& in) {
    ops::BlockedAttentionOptions o;
    o.scale = 0.4, o.chunk = 4, o.kernel = ops::BlockedAttentionOptions::Kernel::blocked;
    return ops::blocked_softmax_attention(in[0], in[1], in[2], o);
  };
  c.reference = [](const OpInputs& in) { return ops::softmax_attention_reference(in[0], in[1], in[2], 0.4); };
  return c;
}

const OpCaseRegistration registration(
    {blocked_case("13x9_fp32", torch::kFloat, 1e-5, 13, 9), blocked_case("13x9_fp64", torch::kDouble, 1e-12, 13, 9),
     blocked_case("3x20_fp32", torch::kFloat, 1e-5, 3, 20)},
    {{"blocked_attention", "keys_of_another_head_size",
      [] {
        ops::blocked_softmax_attention(torch::randn({1, 2, 5, 4}), torch::randn({1, 2, 5, 3}), torch::randn({1, 2, 5, 4}),
                                       {});
      },
      {"softmax attention: q, k, v", "[B, H, Lq, d], [B, H, Lk, d], [B, H, Lk, dv]", "[1, 2, 5, 3]"}}});

}  // namespace
}  // namespace mno::testing
