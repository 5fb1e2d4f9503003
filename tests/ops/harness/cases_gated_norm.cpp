// ops::gated_layer_norm against layer_norm(x) · silu(z), the composition it fuses.
#include "mno/ops/gated_norm/gated_norm.h"
#include "ops/harness/op_harness.h"

namespace mno::testing {
namespace {

OpCase gated_norm_case(const std::string& name, torch::Dtype dtype, double tolerance, bool affine) {
  OpCase c;
  c.op = "gated_norm", c.name = name, c.dtype = dtype, c.tolerance = tolerance;
  c.inputs = [affine](torch::Dtype dt) -> OpInputs {
    const auto o = torch::TensorOptions().dtype(dt);
    if (!affine) return {torch::randn({3, 5, 8}, o), torch::randn({3, 5, 8}, o), {}, {}};
    return {torch::randn({3, 5, 8}, o), torch::randn({3, 5, 8}, o), torch::randn({8}, o) + 1, torch::randn({8}, o)};
  };
  c.differentiable = affine ? std::vector<size_t>{0, 1, 2, 3} : std::vector<size_t>{0, 1};
  c.fast = [](const OpInputs& in) { return ops::gated_layer_norm(in[0], in[1], in[2], in[3], 1e-5); };
  c.reference = [](const OpInputs& in) {
    return torch::layer_norm(in[0], {in[0].size(-1)}, in[2], in[3], 1e-5) * torch::silu(in[1]);
  };
  return c;
}

const OpCaseRegistration registration(
    {gated_norm_case("affine_fp32", torch::kFloat, 1e-5, true), gated_norm_case("affine_fp64", torch::kDouble, 1e-12, true),
     gated_norm_case("plain_fp32", torch::kFloat, 1e-5, false)},
    {{"gated_norm", "scalar_x", [] { ops::gated_layer_norm(torch::tensor(1.0), torch::tensor(1.0), {}, {}, 1e-5); },
      {"expected a tensor x [..., E]", "[]"}},
     {"gated_norm", "gate_of_another_shape",
      [] { ops::gated_layer_norm(torch::randn({2, 3, 4}), torch::randn({2, 3, 5}), {}, {}, 1e-5); },
      {"gate 'z_pre'", "[2, 3, 4]", "[2, 3, 5]"}},
     {"gated_norm", "weight_of_another_width",
      [] { ops::gated_layer_norm(torch::randn({2, 3, 4}), torch::randn({2, 3, 4}), torch::ones({5}), {}, 1e-5); },
      {"'weight'", "[4]", "[5]"}}});

}  // namespace
}  // namespace mno::testing
