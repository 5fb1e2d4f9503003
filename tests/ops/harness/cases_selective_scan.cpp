// ops::selective_scan (the CPU kernel of this machine's ISA; the CUDA kernel has its own tests,
// which need a GPU) against the sequential float64 reference, in every direction count.
#include "mno/ops/selective_scan/selective_scan.h"
#include "ops/harness/op_harness.h"
#include "ops/scan_inputs.h"

namespace mno::testing {
namespace {

OpInputs as_inputs(const ScanInputs& in) { return in.tensors(); }

OpCase scan_case(const std::string& name, torch::Dtype dtype, double tolerance, const ScanCase& shape) {
  OpCase c;
  c.op = "selective_scan", c.name = name, c.dtype = dtype, c.tolerance = tolerance;
  c.inputs = [shape](torch::Dtype dt) { return as_inputs(make_scan_inputs(shape, dt, 7)); };
  for (size_t i = 0; i < 8; ++i) {
    const bool present = i < 5 || (i == 5 && shape.D) || (i == 6 && shape.bias) || (i == 7 && shape.z);
    if (present) c.differentiable.push_back(i);
  }
  const ops::ScanOptions options = make_scan_inputs(shape, torch::kDouble, 7).options;
  c.fast = [options](const OpInputs& in) {
    return ops::selective_scan(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], options).y;
  };
  c.reference = [options](const OpInputs& in) {
    return ops::selective_scan_reference(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], options).y;
  };
  return c;
}

ScanCase directions(int64_t K) {
  ScanCase s;
  s.K = K, s.G = K, s.z = true;
  if (K == 4) s.H = 3, s.W = 5, s.L = 15;
  return s;
}

const OpCaseRegistration registration(
    {scan_case("one_direction_fp32", torch::kFloat, 1e-4, directions(1)),
     scan_case("two_directions_fp32", torch::kFloat, 1e-4, directions(2)),
     scan_case("four_directions_fp32", torch::kFloat, 1e-4, directions(4)),
     scan_case("two_directions_fp64", torch::kDouble, 1e-11, directions(2))},
    {{"selective_scan", "three_directions",
      [] {
        auto in = make_scan_inputs(directions(2), torch::kFloat, 7);
        in.options.directions = 3;
        ops::selective_scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, in.z, in.options);
      },
      {"directions", "1, 2 or 4", "found 3"}},
     {"selective_scan", "u_without_a_batch",
      [] {
        auto in = make_scan_inputs(directions(1), torch::kFloat, 7);
        ops::selective_scan(in.u.flatten(0, 1), in.delta, in.A, in.B, in.C, in.D, in.bias, in.z, in.options);
      },
      {"tensor 'u'", "3 dimensions [batch, E, L]"}}});

}  // namespace
}  // namespace mno::testing
