// gated_layer_norm (ops/gated_norm/gated_norm.h): LayerNorm(x) ⊙ SiLU(z) with a backward that recomputes the
// norm's output and the gate — the same values and gradients as the plain composition.
#include <gtest/gtest.h>

#include "mno/ops/gated_norm/gated_norm.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

struct Inputs {
  torch::Tensor x, z, w, b;
};

Inputs random_inputs(torch::Dtype dt, bool affine) {
  Inputs in;
  in.x = (torch::randn({2, 7, 12}, dt) * 3 + 1).requires_grad_();
  in.z = torch::randn({2, 7, 12}, dt).requires_grad_();
  if (affine) {
    in.w = (torch::rand({12}, dt) + 0.5).requires_grad_();
    in.b = torch::randn({12}, dt).requires_grad_();
  }
  return in;
}

void expect_equals_the_composition(bool affine) {
  torch::manual_seed(affine ? 1 : 2);
  const auto in = random_inputs(torch::kDouble, affine);
  const auto g = torch::randn({2, 7, 12}, torch::kDouble);  // a non-uniform upstream gradient
  std::vector<torch::Tensor> wrt{in.x, in.z};
  if (affine) wrt.insert(wrt.end(), {in.w, in.b});
  const auto ours = ops::gated_layer_norm(in.x, in.z, in.w, in.b, 1e-5);
  const auto plain = torch::layer_norm(in.x, {12}, in.w, in.b, 1e-5) * torch::silu(in.z);
  EXPECT_LT(relative_error(ours, plain), 1e-13);
  const auto d_ours = torch::autograd::grad({(ours * g).sum()}, wrt);
  const auto d_plain = torch::autograd::grad({(plain * g).sum()}, wrt);
  const char* names[] = {"x", "z", "weight", "bias"};
  for (size_t i = 0; i < wrt.size(); ++i) EXPECT_LT(relative_error(d_ours[i], d_plain[i]), 1e-12) << names[i];
}

TEST(GatedLayerNorm, ValuesAndGradientsEqualTheCompositionWithAffine) { expect_equals_the_composition(true); }
TEST(GatedLayerNorm, ValuesAndGradientsEqualTheCompositionWithoutAffine) { expect_equals_the_composition(false); }

TEST(GatedLayerNorm, AGateOfLowerPrecisionGetsItsGradientInItsOwnDtype) {
  // As under bf16 autocast: x and the norm in fp32, the gate's pre-activation in bf16.
  torch::manual_seed(3);
  const auto x = torch::randn({2, 5, 8}).requires_grad_();
  const auto z = torch::randn({2, 5, 8}).to(torch::kBFloat16).requires_grad_();
  const auto w = torch::ones({8}, torch::requires_grad()), b = torch::zeros({8}, torch::requires_grad());
  const auto y = ops::gated_layer_norm(x, z, w, b, 1e-5);
  EXPECT_EQ(y.scalar_type(), torch::kFloat);
  const auto want = torch::layer_norm(x, {8}, w, b, 1e-5) * torch::silu(z.to(torch::kFloat));
  EXPECT_LT(relative_error(y, want), 1e-6);
  y.sum().backward();
  ASSERT_TRUE(z.grad().defined());
  EXPECT_EQ(z.grad().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(x.grad().scalar_type(), torch::kFloat);
}

TEST(GatedLayerNormRejects, AScalarInput) {
  expect_error([] { ops::gated_layer_norm(torch::tensor(1.0), torch::tensor(1.0), {}, {}, 1e-5); },
               {"expected a tensor x [..., E]", "[]"});
}

TEST(GatedLayerNormRejects, AGateOfAnotherShape) {
  expect_error([] { ops::gated_layer_norm(torch::randn({2, 3, 4}), torch::randn({2, 3, 5}), {}, {}, 1e-5); },
               {"gate 'z_pre'", "[2, 3, 4]", "[2, 3, 5]"});
}

TEST(GatedLayerNormRejects, AffineParametersOfTheWrongSize) {
  expect_error([] { ops::gated_layer_norm(torch::randn({2, 3, 4}), torch::randn({2, 3, 4}), torch::ones({5}), {}, 1e-5); },
               {"'weight'", "[4]", "[5]"});
  expect_error([] { ops::gated_layer_norm(torch::randn({2, 3, 4}), torch::randn({2, 3, 4}), {}, torch::ones({4, 1}), 1e-5); },
               {"'bias'", "[4]", "[4, 1]"});
}

}  // namespace
}  // namespace mno::testing
