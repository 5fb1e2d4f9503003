// ops::s4_generating_function, three frequencies a block (the blocked forward and backward),
// against the plain formula over all frequencies at once.
#include <cmath>

#include "mno/ops/s4_kernel/s4_kernel.h"
#include "ops/harness/op_harness.h"

namespace mno::testing {
namespace {

torch::Dtype complex_of(torch::Dtype real) { return real == torch::kDouble ? torch::kComplexDouble : torch::kComplexFloat; }

OpInputs s4_inputs(torch::Dtype dt, int64_t H, int64_t n, int64_t K) {
  const auto c = torch::TensorOptions().dtype(complex_of(dt));
  const auto lambda = torch::complex(-0.5 - torch::rand({H, n}, dt), torch::randn({H, n}, dt) * 3).to(complex_of(dt));
  const auto angle = -2 * M_PI / double(2 * (K - 1)) * torch::arange(K, dt);
  return {lambda, torch::randn({H, n}, c), torch::randn({H, n}, c), torch::randn({H, n}, c),
          torch::rand({H}, dt) * 0.1 + 0.01, torch::complex(torch::cos(angle), torch::sin(angle))};
}

OpCase s4_case(const std::string& name, torch::Dtype dtype, double tolerance) {
  OpCase c;
  c.op = "s4_kernel", c.name = name, c.dtype = dtype, c.tolerance = tolerance;
  c.inputs = [](torch::Dtype dt) { return s4_inputs(dt, 3, 4, 10); };
  c.differentiable = {0, 1, 2, 3, 4};
  c.fast = [](const OpInputs& in) { return ops::s4_generating_function(in[0], in[1], in[2], in[3], in[4], in[5], 3); };
  c.reference = [](const OpInputs& in) {
    return ops::s4_generating_function_reference(in[0], in[1], in[2], in[3], in[4], in[5]);
  };
  return c;
}

const OpCaseRegistration registration(
    {s4_case("blocks_of_3_fp32", torch::kFloat, 1e-4), s4_case("blocks_of_3_fp64", torch::kDouble, 1e-11)},
    {{"s4_kernel", "a_zero_step",
      [] {
        auto in = s4_inputs(torch::kDouble, 2, 2, 4);
        ops::s4_generating_function(in[0], in[1], in[2], in[3], torch::zeros({2}, torch::kDouble), in[5]);
      },
      {"S4 kernel", "the step Δ must be positive and finite"}},
     {"s4_kernel", "P_of_another_shape",
      [] {
        auto in = s4_inputs(torch::kDouble, 2, 2, 4);
        ops::s4_generating_function(in[0], in[1].narrow(1, 0, 1), in[2], in[3], in[4], in[5]);
      },
      {"S4 kernel", "expected Lambda, P, B, C [H, N/2] and dt [H]"}},
     {"s4_kernel", "a_negative_block",
      [] {
        auto in = s4_inputs(torch::kDouble, 2, 2, 4);
        ops::s4_generating_function(in[0], in[1], in[2], in[3], in[4], in[5], -1);
      },
      {"frequencies_per_block must be >= 0", "found -1"}}});

}  // namespace
}  // namespace mno::testing
