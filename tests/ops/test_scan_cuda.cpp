// The CUDA selective scan against the reference computed in double on the CPU: forward, last
// state and every gradient, fresh random inputs per case, outputs poisoned before each run.
// Skipped, with a message saying why, where there is no GPU or no CUDA build.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <limits>

#include "mno/ops/selective_scan/cuda.h"
#include "mno/ops/selective_scan/selective_scan.h"
#include "ops/scan_inputs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

struct CudaCase {
  ScanCase shape;
  torch::Dtype dtype;
  double tol;
};

void PrintTo(const CudaCase& c, std::ostream* os) {
  const auto& s = c.shape;
  *os << fmt::format("{}_batch{}_E{}_L{}_N{}_K{}_G{}{}{}{}{}{}{}", c.dtype == torch::kFloat ? "f32" : c.dtype == torch::kBFloat16 ? "bf16" : "f16",
                     s.batch, s.E, s.L, s.N, s.K, s.G, s.var_B ? "" : "_fixedB", s.var_C ? "" : "_fixedC", s.D ? "_D" : "",
                     s.bias ? "_bias" : "", s.z ? "_z" : "", s.softplus ? "_softplus" : "");
}

struct Run {
  torch::Tensor y, last_state;
  std::vector<torch::Tensor> grads;
};

const char* kNames[] = {"u", "delta", "A", "B", "C", "D", "delta_bias", "z"};

// Fills the CUDA caching allocator's free blocks with NaN, so an output element that the kernels
// never write shows up as NaN (torch::empty reuses those blocks).
void poison_cuda_memory() {
  for (int64_t mib : {256, 64, 16, 4, 1})
    torch::full({mib << 18}, std::numeric_limits<float>::quiet_NaN(), torch::TensorOptions().device(torch::kCUDA));
}

Run run(const ScanInputs& in, torch::Dtype dtype, torch::Device device, bool reference, uint64_t seed) {
  std::vector<torch::Tensor> leaves;
  for (const auto& t : in.tensors()) {
    if (!t.defined()) {
      leaves.push_back(t);
      continue;
    }
    // A stays fp32 (contract); every other input is rounded to the dtype under test first, so the
    // reference sees exactly the values the kernel sees.
    auto v = (t.dim() == 2 && t.size(0) == in.A.size(0)) ? t.to(torch::kFloat) : t.to(dtype);
    if (reference) v = v.to(torch::kDouble);
    leaves.push_back(v.to(device).detach().requires_grad_(true));
  }
  auto opts = in.options;
  opts.return_last_state = true;
  if (device.is_cuda()) poison_cuda_memory();
  // The reference is a LibTorch op per step: at L = 65,536 it alone takes minutes. There the
  // oracle is the fused CPU kernel run in double, which tests/ops/test_selective_scan.cpp checks
  // against the reference to 1e-10 (L up to 4096, every option).
  auto scan = reference && in.u.size(-1) <= 16384 ? ops::selective_scan_reference : ops::selective_scan;
  auto r = scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7], opts);
  torch::manual_seed(seed);
  const auto g = torch::randn(r.y.sizes(), torch::kDouble).to(r.y.scalar_type()).to(device);
  if (device.is_cuda()) poison_cuda_memory();
  (r.y * g).sum().backward();
  Run out{r.y.detach().cpu(), r.last_state.detach().cpu(), {}};
  for (const auto& t : leaves) out.grads.push_back(t.defined() ? t.grad().cpu() : torch::Tensor());
  return out;
}

class CudaScanMatchesReference : public ::testing::TestWithParam<CudaCase> {};

TEST_P(CudaScanMatchesReference, ForwardAndEveryGradient) {
  if (!ops::scan_cuda_path::built()) GTEST_SKIP() << "this build of mno has no CUDA kernels (CPU LibTorch)";
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible): runs on the GPU machine";
  const auto& c = GetParam();
  static uint64_t seed = 100;  // fresh inputs for every case and every run
  const auto in = make_scan_inputs(c.shape, torch::kDouble, ++seed);
  const auto got = run(in, c.dtype, torch::kCUDA, false, seed);
  const auto want = run(in, c.dtype, torch::kCPU, true, seed);
  EXPECT_EQ(got.y.scalar_type(), c.dtype);
  EXPECT_LT(relative_error(got.y, want.y), c.tol) << "y";
  EXPECT_LT(relative_error(got.last_state, want.last_state), c.tol) << "last_state";
  for (size_t i = 0; i < want.grads.size(); ++i) {
    ASSERT_EQ(got.grads[i].defined(), want.grads[i].defined()) << kNames[i];
    if (!want.grads[i].defined()) continue;
    EXPECT_EQ(got.grads[i].sizes(), want.grads[i].sizes()) << kNames[i];
    EXPECT_LT(relative_error(got.grads[i], want.grads[i]), c.tol) << "d" << kNames[i];
  }
}

ScanCase shape(std::function<void(ScanCase&)> edit) {
  ScanCase c;
  edit(c);
  return c;
}

std::vector<CudaCase> cases() {
  std::vector<ScanCase> shapes = {
      shape([](ScanCase&) {}),                                               // L 17, one direction
      shape([](ScanCase& c) { c.L = 1; }),
      shape([](ScanCase& c) { c.L = 64; }),                                  // exactly two stages
      shape([](ScanCase& c) { c.L = 200; c.E = 37; }),                       // L and C not multiples
      shape([](ScanCase& c) { c.K = 2; c.G = 2; c.L = 300; c.E = 20; }),    // MNO's form
      shape([](ScanCase& c) { c.K = 2; c.G = 1; c.L = 129; c.E = 6; }),     // a group spans both directions
      shape([](ScanCase& c) { c.K = 4; c.G = 4; c.H = 9; c.W = 13; c.L = 117; c.E = 5; }),
      shape([](ScanCase& c) { c.K = 4; c.G = 2; c.H = 16; c.W = 8; c.L = 128; c.E = 4; c.z = true; }),
      shape([](ScanCase& c) { c.z = true; c.L = 100; c.E = 9; }),
      shape([](ScanCase& c) { c.var_B = false; c.var_C = false; c.L = 90; }),
      shape([](ScanCase& c) { c.var_B = false; c.K = 2; c.G = 2; c.L = 70; }),
      shape([](ScanCase& c) { c.D = false; c.bias = false; c.softplus = false; c.L = 77; }),
      shape([](ScanCase& c) { c.N = 4; c.L = 150; c.G = 3; c.E = 6; }),
      shape([](ScanCase& c) { c.N = 40; c.L = 150; c.K = 2; c.G = 2; }),     // N not a multiple of 16
      shape([](ScanCase& c) { c.N = 5; c.L = 70; }),                         // odd N: a thread with one state
      shape([](ScanCase& c) { c.N = 65; c.L = 150; c.K = 2; c.G = 2; c.E = 3; }),  // N > 64: 8-step stages
      shape([](ScanCase& c) { c.batch = 1; c.E = 2; c.L = 65536; c.K = 2; c.G = 2; }),
  };
  std::vector<CudaCase> out;
  for (const auto& s : shapes) out.push_back({s, torch::kFloat, 1e-5});
  for (size_t i : {0, 3, 4, 6, 8, 9, 13}) out.push_back({shapes[i], torch::kBFloat16, 1e-2});
  for (size_t i : {4, 8}) out.push_back({shapes[i], torch::kHalf, 1e-2});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, CudaScanMatchesReference, ::testing::ValuesIn(cases()));

}  // namespace
}  // namespace mno::testing
