#include "ops/harness/op_harness.h"

#include <gtest/gtest.h>

#include "mno/core/error.h"

namespace mno::testing {

std::vector<OpCase>& registered_op_cases() {
  static std::vector<OpCase> cases;
  return cases;
}

std::vector<OpRejection>& registered_op_rejections() {
  static std::vector<OpRejection> rejections;
  return rejections;
}

OpCaseRegistration::OpCaseRegistration(std::vector<OpCase> cases, std::vector<OpRejection> rejections) {
  for (auto& c : cases) registered_op_cases().push_back(std::move(c));
  for (auto& r : rejections) registered_op_rejections().push_back(std::move(r));
}

namespace {

torch::Tensor widened(const torch::Tensor& t) {
  if (!t.defined()) return t;
  if (t.is_complex()) return t.to(torch::kComplexDouble);
  return t.is_floating_point() ? t.to(torch::kDouble) : t;
}

// max |a − b| / max |b|, in float64 (complex: on the modulus of the difference). Not
// testing::relative_error's ratio of norms: the harness bounds the worst element, and takes
// complex outputs and gradients.
double max_relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  const auto g = widened(got).detach(), w = widened(want).detach();
  const double scale = std::max(w.abs().max().item<double>(), 1e-30);
  return (g - w).abs().max().item<double>() / scale;
}

// A real scalar that depends on every element of `out` (complex: real and imaginary parts), with
// fixed random weights so that each element's gradient differs.
torch::Tensor weighted_sum(const torch::Tensor& out, const torch::Tensor& weights) {
  if (out.is_complex()) return (torch::view_as_real(out) * weights).sum();
  return (out * weights).sum();
}

std::vector<torch::Tensor> gradients(const OpFunction& f, OpInputs inputs, const std::vector<size_t>& which,
                                     const torch::Tensor& weights) {
  std::vector<torch::Tensor> leaves;
  for (size_t i : which) {
    inputs[i] = inputs[i].detach().requires_grad_(true);
    leaves.push_back(inputs[i]);
  }
  const auto out = f(inputs);
  const auto loss = weighted_sum(out, weights.to(out.is_complex() ? torch::view_as_real(out).scalar_type()
                                                                   : out.scalar_type()));
  return torch::autograd::grad({loss}, leaves, {}, false, false, true);
}

class OpHarness : public ::testing::TestWithParam<size_t> {};

TEST_P(OpHarness, FastPathMatchesItsReferenceWithGradients) {
  const OpCase& c = registered_op_cases()[GetParam()];
  torch::manual_seed(1234);
  const OpInputs inputs = c.inputs(c.dtype);
  OpInputs wide;
  for (const auto& t : inputs) wide.push_back(widened(t));
  const auto got = c.fast(inputs);
  const auto want = c.reference(wide);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LT(max_relative_error(got, want), c.tolerance) << c.op << "/" << c.name << ": output";
  if (c.differentiable.empty()) return;

  torch::manual_seed(99);
  const auto weights = torch::randn(got.is_complex() ? torch::view_as_real(got).sizes() : got.sizes(), torch::kDouble);
  const auto fast_grads = gradients(c.fast, inputs, c.differentiable, weights);
  const auto ref_grads = gradients(c.reference, wide, c.differentiable, weights);
  for (size_t k = 0; k < c.differentiable.size(); ++k) {
    ASSERT_TRUE(fast_grads[k].defined() && ref_grads[k].defined()) << c.op << "/" << c.name << ": input " << c.differentiable[k];
    EXPECT_LT(max_relative_error(fast_grads[k], ref_grads[k]), c.tolerance)
        << c.op << "/" << c.name << ": gradient of input " << c.differentiable[k];
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, OpHarness, ::testing::Range<size_t>(0, registered_op_cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           const OpCase& c = registered_op_cases()[info.param];
                           return c.op + "_" + c.name;
                         });

class OpRejects : public ::testing::TestWithParam<size_t> {};

TEST_P(OpRejects, ABadInputIsAnErrorSayingWhatWasExpected) {
  const OpRejection& r = registered_op_rejections()[GetParam()];
  try {
    r.call();
    ADD_FAILURE() << r.op << "/" << r.name << ": accepted";
  } catch (const Error& e) {
    for (const auto& part : r.message) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, OpRejects, ::testing::Range<size_t>(0, registered_op_rejections().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           const OpRejection& r = registered_op_rejections()[info.param];
                           return r.op + "_" + r.name;
                         });

}  // namespace
}  // namespace mno::testing
