// The fused CPU selective scan against the plain reference, forward and every gradient.
#include <gtest/gtest.h>

#include "mno/ops/selective_scan/selective_scan.h"
#include "ops/scan_inputs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

using ops::ScanResult;

struct ScanRun {
  torch::Tensor y, last_state;
  std::vector<torch::Tensor> grads;  // u, delta, A, B, C, D, bias, z (undefined where absent)
};

// Runs `scan` on leaf copies of the inputs and back-propagates a fixed random upstream gradient.
template <typename Scan> ScanRun run_with_grads(const ScanInputs& in, torch::Dtype dtype, Scan scan, uint64_t seed) {
  std::vector<torch::Tensor> leaves;
  for (const auto& t : in.tensors()) leaves.push_back(t.defined() ? t.to(dtype).detach().requires_grad_(true) : t);
  auto opts = in.options;
  opts.return_last_state = true;
  ScanResult r = scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7], opts);
  torch::manual_seed(seed);
  const auto g = torch::randn(r.y.sizes(), torch::kDouble).to(r.y.scalar_type());
  (r.y * g).sum().backward();
  ScanRun run{r.y.detach(), r.last_state.detach(), {}};
  for (const auto& t : leaves) run.grads.push_back(t.defined() ? t.grad() : torch::Tensor());
  return run;
}

auto fast = [](auto&&... a) { return ops::selective_scan(a...); };
auto reference = [](auto&&... a) { return ops::selective_scan_reference(a...); };

const char* kGradNames[] = {"u", "delta", "A", "B", "C", "D", "delta_bias", "z"};

void expect_close(const ScanRun& got, const ScanRun& want, double tol_y, double tol_grad) {
  EXPECT_LT(relative_error(got.y, want.y), tol_y) << "y";
  EXPECT_LT(relative_error(got.last_state, want.last_state), tol_y) << "last_state";
  for (size_t i = 0; i < want.grads.size(); ++i) {
    ASSERT_EQ(got.grads[i].defined(), want.grads[i].defined()) << kGradNames[i];
    if (!want.grads[i].defined()) continue;
    EXPECT_EQ(got.grads[i].sizes(), want.grads[i].sizes()) << kGradNames[i];
    EXPECT_LT(relative_error(got.grads[i], want.grads[i]), tol_grad) << "d" << kGradNames[i];
  }
}

std::string describe(const ScanCase& c) {
  return fmt::format("batch{}_E{}_L{}_N{}_K{}_G{}{}{}{}{}{}{}", c.batch, c.E, c.L, c.N, c.K, c.G, c.var_B ? "" : "_fixedB",
                     c.var_C ? "" : "_fixedC", c.D ? "_D" : "", c.bias ? "_bias" : "", c.z ? "_z" : "",
                     c.softplus ? "_softplus" : "");
}

}  // namespace

// gtest prints parameters with PrintTo: a readable case name instead of the struct's bytes.
void PrintTo(const ScanCase& c, std::ostream* os) { *os << describe(c); }

namespace {

class ScanMatchesReference : public ::testing::TestWithParam<ScanCase> {};

// Double in, double out: the fast path must reproduce the reference to rounding.
TEST_P(ScanMatchesReference, InFloat64ToRounding) {
  const auto in = make_scan_inputs(GetParam(), torch::kDouble, 1);
  expect_close(run_with_grads(in, torch::kDouble, fast, 2), run_with_grads(in, torch::kDouble, reference, 2), 1e-11, 1e-10);
}

// Float in: the fp32 kernel (vectorised exp) against the reference computed in double.
TEST_P(ScanMatchesReference, InFloat32AgainstFloat64Reference) {
  const auto in = make_scan_inputs(GetParam(), torch::kFloat, 3);
  expect_close(run_with_grads(in, torch::kFloat, fast, 4), run_with_grads(in, torch::kDouble, reference, 4), 1e-5, 1e-4);
}

ScanCase with(ScanCase c, std::function<void(ScanCase&)> edit) {
  edit(c);
  return c;
}

const ScanCase kBase{};

INSTANTIATE_TEST_SUITE_P(
    Shapes, ScanMatchesReference,
    ::testing::Values(
        with(kBase, [](ScanCase& c) { c.L = 1; }),
        with(kBase, [](ScanCase& c) { c.L = 13; c.K = 2; c.G = 2; }),
        with(kBase, [](ScanCase& c) { c.L = 127; c.K = 2; c.G = 1; c.N = 1; }),
        with(kBase, [](ScanCase& c) { c.L = 31; c.N = 64; c.K = 2; c.G = 2; }),
        with(kBase, [](ScanCase& c) { c.L = 29; c.N = 5; c.E = 4; c.K = 2; c.G = 4; }),
        with(kBase, [](ScanCase& c) { c.L = 15; c.K = 4; c.G = 4; c.H = 3; c.W = 5; }),
        with(kBase, [](ScanCase& c) { c.L = 35; c.K = 4; c.G = 2; c.H = 7; c.W = 5; c.z = true; }),
        with(kBase, [](ScanCase& c) { c.L = 4096; c.E = 2; c.batch = 1; c.K = 2; c.G = 2; }),
        with(kBase, [](ScanCase& c) { c.z = true; c.E = 5; c.batch = 3; }),
        with(kBase, [](ScanCase& c) { c.D = false; c.bias = false; }),
        with(kBase, [](ScanCase& c) { c.softplus = false; c.K = 2; c.G = 2; }),
        with(kBase, [](ScanCase& c) { c.softplus = false; c.bias = false; c.D = false; c.z = true; }),
        with(kBase, [](ScanCase& c) { c.var_B = false; c.var_C = false; c.K = 2; }),
        with(kBase, [](ScanCase& c) { c.var_B = false; c.K = 2; c.G = 2; c.N = 3; }),
        with(kBase, [](ScanCase& c) { c.var_C = false; c.N = 20; c.z = true; }),
        with(kBase, [](ScanCase& c) { c.E = 33; c.batch = 1; c.L = 9; c.K = 2; c.G = 2; })),
    [](const ::testing::TestParamInfo<ScanCase>& info) { return describe(info.param); });

// Large softplus arguments take the identity branch (threshold 20), as in mamba_ssm.
TEST(SelectiveScan, SoftplusThresholdMatchesReference) {
  auto in = make_scan_inputs(ScanCase{}, torch::kDouble, 5);
  in.delta = in.delta + 25.0 * (torch::rand_like(in.delta) > 0.5).to(torch::kDouble);
  expect_close(run_with_grads(in, torch::kDouble, fast, 6), run_with_grads(in, torch::kDouble, reference, 6), 1e-11, 1e-10);
}

TEST(SelectiveScan, Bfloat16InputsComputeInFloat32AndReturnBfloat16) {
  const auto in = make_scan_inputs(ScanCase{}, torch::kFloat, 7);
  auto bf = [](const torch::Tensor& t) { return t.to(torch::kBFloat16); };
  const auto y = ops::selective_scan(bf(in.u), bf(in.delta), in.A, bf(in.B), bf(in.C), in.D, in.bias, {}, in.options).y;
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  const auto want = ops::selective_scan_reference(bf(in.u).to(torch::kDouble), bf(in.delta).to(torch::kDouble),
                                                  in.A.to(torch::kDouble), bf(in.B).to(torch::kDouble),
                                                  bf(in.C).to(torch::kDouble), in.D.to(torch::kDouble),
                                                  in.bias.to(torch::kDouble), {}, in.options).y;
  EXPECT_LT(relative_error(y, want), 1e-2);
}

TEST(SelectiveScan, ResultDoesNotDependOnThreadCount) {
  ScanCase c;
  c.batch = 3; c.E = 7; c.K = 2; c.G = 2; c.L = 64;
  const auto in = make_scan_inputs(c, torch::kFloat, 8);
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const ScanRun one = run_with_grads(in, torch::kFloat, fast, 9);
  at::set_num_threads(std::max(2, before));
  const ScanRun many = run_with_grads(in, torch::kFloat, fast, 9);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one.y, many.y));
  for (size_t i = 0; i < one.grads.size(); ++i)
    if (one.grads[i].defined()) EXPECT_TRUE(torch::equal(one.grads[i], many.grads[i])) << kGradNames[i];
}

}  // namespace
}  // namespace mno::testing
