// Attention mixers: the blocked softmax attention against the whole-matrix formula (values and
// gradients), the mixers' formulas on small inputs, and the errors for bad context or config.
#include <gtest/gtest.h>

#include "mno/core/torch_compat.h"
#include "mno/ops/blocked_attention/blocked_attention.h"
#include "mno/nn/attention/linear_attention.h"
#include "mno/nn/mixer.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

nn::TokenMixer mixer(const std::string& yaml, int64_t d_model, nn::MixerRole role) {
  const auto config = Config::parse(yaml, "mixer.yaml");
  return nn::make_mixer(config.root(), d_model, role);
}

TEST(AttentionChunked, EqualsWholeMatrixFormulaWithGradients) {
  torch::manual_seed(0);
  const auto q0 = torch::randn({2, 3, 37, 8}, torch::kDouble), k0 = torch::randn({2, 3, 29, 8}, torch::kDouble);
  const auto v0 = torch::randn({2, 3, 29, 5}, torch::kDouble), upstream = torch::randn({2, 3, 37, 5}, torch::kDouble);
  const auto run = [&](auto attend) {
    auto q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true), v = v0.clone().requires_grad_(true);
    const auto out = attend(q, k, v);
    (out * upstream).sum().backward();
    return std::vector<torch::Tensor>{out.detach(), q.grad(), k.grad(), v.grad()};
  };
  const auto want = run([](auto& q, auto& k, auto& v) { return ops::softmax_attention_reference(q, k, v, 0.3); });
  for (int64_t chunk : {1, 5, 37, 100}) {
    ops::BlockedAttentionOptions options;
    options.scale = 0.3;
    options.chunk = chunk;
    options.kernel = ops::BlockedAttentionOptions::Kernel::blocked;
    const auto got = run([&](auto& q, auto& k, auto& v) { return ops::blocked_softmax_attention(q, k, v, options); });
    const char* names[] = {"out", "dq", "dk", "dv"};
    for (int i = 0; i < 4; ++i) EXPECT_LT(relative_error(got[i], want[i]), 1e-12) << names[i] << ", chunk " << chunk;
  }
}

TEST(AttentionChunked, LargeLogitsStayFinite) {
  const auto q = torch::full({1, 1, 4, 2}, 100.0), k = torch::full({1, 1, 6, 2}, 100.0), v = torch::randn({1, 1, 6, 3});
  ops::BlockedAttentionOptions options;
  options.chunk = 3;
  const auto out = ops::blocked_softmax_attention(q, k, v, options);
  EXPECT_TRUE(torch::allclose(out, v.mean(2, true).expand({1, 1, 4, 3}), 1e-5, 1e-5));
}

// q, k and v of different dtypes (under bf16 autocast: a bf16 projection beside an fp32
// LayerNorm) are brought to the widest one: both kernels run forward and backward, and each
// gradient comes back in its input's dtype.
TEST(AttentionChunked, MixedDtypesRunForwardAndBackwardInTheWidest) {
  torch::manual_seed(2);
  const auto q0 = torch::randn({1, 2, 12, 8}), k0 = torch::randn({1, 2, 9, 8}), v0 = torch::randn({1, 2, 9, 8});
  const auto want = ops::softmax_attention_reference(q0.to(torch::kBFloat16).to(torch::kDouble), k0.to(torch::kDouble),
                                                    v0.to(torch::kDouble), 0.3);
  for (const auto kernel : {ops::BlockedAttentionOptions::Kernel::blocked, ops::BlockedAttentionOptions::Kernel::automatic}) {
    ops::BlockedAttentionOptions options;
    options.scale = 0.3;
    options.kernel = kernel;
    auto q = q0.to(torch::kBFloat16).requires_grad_(true);
    auto k = k0.clone().requires_grad_(true), v = v0.clone().requires_grad_(true);
    const auto out = ops::blocked_softmax_attention(q, k, v, options);
    EXPECT_EQ(out.scalar_type(), torch::kFloat);
    EXPECT_LT(relative_error(out.to(torch::kDouble), want), 1e-5) << ops::softmax_attention_kernel(q, k, v, options);
    out.sum().backward();
    ASSERT_TRUE(q.grad().defined() && k.grad().defined() && v.grad().defined());
    EXPECT_EQ(q.grad().scalar_type(), torch::kBFloat16);
    EXPECT_EQ(k.grad().scalar_type(), torch::kFloat);
  }
}

// The automatic kernel (LibTorch's fused SDPA where it has one, zero-padding the head widths) against
// the plain formula in fp32: values and gradients, a width that needs padding (GT's 32 + 2 = 34)
// and one that does not, self (Lq = Lk) and cross (Lq != Lk) shapes.
void expect_automatic_kernel_matches_formula(const torch::Device& device) {
  torch::manual_seed(4);
  for (const int64_t d : {34, 8}) {
    for (const int64_t lk : {300, 257}) {
      const auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(device);
      const auto q0 = torch::randn({2, 3, 300, d}, f32), k0 = torch::randn({2, 3, lk, d}, f32);
      const auto v0 = torch::randn({2, 3, lk, d}, f32), upstream = torch::randn({2, 3, 300, d}, f32);
      ops::BlockedAttentionOptions options;
      options.scale = 1.0 / std::sqrt(static_cast<double>(d));
      const auto run = [&](auto attend) {
        auto q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true), v = v0.clone().requires_grad_(true);
        const auto out = attend(q, k, v);
        (out * upstream).sum().backward();
        return std::vector<torch::Tensor>{out.detach(), q.grad(), k.grad(), v.grad()};
      };
      const auto want = run([&](auto& q, auto& k, auto& v) {
        return ops::softmax_attention_reference(q.to(torch::kDouble), k.to(torch::kDouble), v.to(torch::kDouble),
                                               options.scale).to(torch::kFloat);
      });
      const auto got = run([&](auto& q, auto& k, auto& v) { return ops::blocked_softmax_attention(q, k, v, options); });
      const std::string kernel = ops::softmax_attention_kernel(q0, k0, v0, options);
      const char* names[] = {"out", "dq", "dk", "dv"};
      for (int i = 0; i < 4; ++i)
        EXPECT_LT(relative_error(got[i], want[i]), 1e-5) << names[i] << ", head width " << d << ", Lk " << lk << ", "
                                                         << kernel << " on " << device.str();
    }
  }
}

TEST(AttentionFused, AutomaticKernelEqualsFormulaWithGradients) { expect_automatic_kernel_matches_formula(torch::kCPU); }

TEST(AttentionFusedCuda, AutomaticKernelEqualsFormulaWithGradients) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible): runs on the GPU machine";
  expect_automatic_kernel_matches_formula(torch::kCUDA);
  // On the H200 with LibTorch >= 2.1, fp32 runs a fused kernel, never the materialising fallback.
  const auto q = torch::randn({2, 4, 4096, 34}, torch::kCUDA);
  ops::BlockedAttentionOptions options;
  const std::string kernel = ops::softmax_attention_kernel(q, q, q, options);
  if (MNO_TORCH_AT_LEAST(2, 1)) EXPECT_NE(kernel.find("(LibTorch SDPA)"), std::string::npos) << kernel;
}

TEST(AttentionFused, WhichKernelRunsAndWhyNotFused) {
  const auto q = torch::randn({1, 2, 16, 8});
  ops::BlockedAttentionOptions options;
  options.kernel = ops::BlockedAttentionOptions::Kernel::blocked;
  EXPECT_EQ(ops::softmax_attention_kernel(q, q, q, options), "blocked");
  options.kernel = ops::BlockedAttentionOptions::Kernel::automatic;
  options.always_on_dropout = 0.5;  // the dropout quirk keeps LibTorch's masks: blocked
  EXPECT_EQ(ops::softmax_attention_kernel(q, q, q, options), "blocked");
  options.kernel = ops::BlockedAttentionOptions::Kernel::fused;
  expect_error([&] { ops::blocked_softmax_attention(q, q, q, options); },
               {"no fused kernel", "cpu Float inputs", compat::torch_version(), "no always-on dropout", "blocked"});
  options.always_on_dropout = 0.0;
  options.kernel = ops::BlockedAttentionOptions::Kernel::automatic;
  const std::string kernel = ops::softmax_attention_kernel(q, q, q, options);
  if (MNO_TORCH_AT_LEAST(2, 1)) {
    EXPECT_NE(kernel.find("(LibTorch SDPA)"), std::string::npos) << kernel;  // LibTorch 2.x has a CPU flash kernel
  } else {
    EXPECT_EQ(kernel, "blocked");
    options.kernel = ops::BlockedAttentionOptions::Kernel::fused;
    expect_error([&] { ops::blocked_softmax_attention(q, q, q, options); }, {"no fused kernel", "LibTorch 1.13"});
  }
}

TEST(AttentionLinear, MatchesGnotNormalisedFormula) {
  torch::manual_seed(1);
  const auto config = Config::parse("{heads: 2}");
  nn::LinearAttentionImpl attention(config.root(), 4, /*cross=*/false);
  const auto x = torch::randn({1, 5, 4});
  torch::NoGradGuard no_grad;
  const auto y = attention.forward(x);
  // One token at a time, straight from the formula in docs/models.md (`linear`).
  const auto q = attention.query->forward(x).view({5, 2, 2}), k = attention.key->forward(x).view({5, 2, 2});
  const auto v = attention.value->forward(x).view({5, 2, 2});
  auto heads = torch::zeros({5, 2, 2});
  for (int h = 0; h < 2; ++h) {
    const auto qh = torch::softmax(q.select(1, h), -1), kh = torch::softmax(k.select(1, h), -1), vh = v.select(1, h);
    for (int i = 0; i < 5; ++i) {
      const auto norm = (qh[i] * kh.sum(0)).sum();
      heads[i][h] = torch::matmul(qh[i], torch::matmul(kh.t(), vh)) / norm + qh[i];
    }
  }
  EXPECT_LT(relative_error(y, attention.proj->forward(heads.view({1, 5, 4}))), 1e-5);
}

TEST(AttentionMixers, EveryAttentionTypeKeepsTheTokenShape) {
  torch::manual_seed(2);
  const auto x = torch::randn({2, 16, 8}), pos = torch::rand({2, 16, 2});
  for (const std::string yaml : {"{type: galerkin, heads: 2}", "{type: fourier, heads: 2}", "{type: softmax, heads: 2}",
                                 "{type: softmax, heads: 2, qk_norm: true, pos_dim: 2, init: gt}",
                                 "{type: linear, heads: 2}", "{type: rotary_galerkin, heads: 2}"}) {
    const auto y = mixer(yaml, 8, nn::MixerRole::self)->forward(x, {}, pos);
    EXPECT_EQ(y.sizes(), x.sizes()) << yaml;
  }
  for (const std::string yaml : {"{type: softmax, heads: 2, rotary_scale: 16}", "{type: linear, heads: 2}",
                                 "{type: rotary_galerkin, heads: 2}"}) {
    const auto y = mixer(yaml, 8, nn::MixerRole::cross)->forward(x, torch::randn({2, 16, 8}), pos);
    EXPECT_EQ(y.sizes(), x.sizes()) << yaml;
  }
}

TEST(AttentionMixers, GalerkinAlwaysOnDropoutQuirkIsOffByDefaultAndStochasticWhenOn) {
  torch::manual_seed(3);
  const auto x = torch::randn({1, 16, 8}), pos = torch::rand({1, 16, 2});
  auto plain = mixer("{type: galerkin, heads: 2}", 8, nn::MixerRole::self);
  auto quirk = mixer("{type: galerkin, heads: 2, always_on_dropout: true}", 8, nn::MixerRole::self);
  plain->eval();
  quirk->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(plain->forward(x, {}, pos), plain->forward(x, {}, pos)));
  EXPECT_FALSE(torch::equal(quirk->forward(x, {}, pos), quirk->forward(x, {}, pos)));
}

TEST(AttentionErrors, CrossMixersRejectContextOfAnotherLength) {
  const auto x = torch::randn({1, 16, 8}), context = torch::randn({1, 9, 8}), pos = torch::rand({1, 16, 2});
  for (const std::string type : {"softmax", "linear", "rotary_galerkin", "mamba"}) {
    auto cross = mixer("{type: " + type + ", " + (type == "mamba" ? "d_state: 4" : "heads: 2") + "}", 8,
                       nn::MixerRole::cross);
    expect_error([&] { cross->forward(x, context, pos); }, {"context", "16", "9"});
  }
}

TEST(AttentionErrors, SelfMixerRejectsContext) {
  auto self = mixer("{type: softmax, heads: 2}", 8, nn::MixerRole::self);
  expect_error([&] { self->forward(torch::randn({1, 4, 8}), torch::randn({1, 4, 8})); }, {"self mixer", "no context"});
}

TEST(AttentionErrors, MissingPositionsAreNamed) {
  auto galerkin = mixer("{type: galerkin, heads: 2}", 8, nn::MixerRole::self);
  expect_error([&] { galerkin->forward(torch::randn({1, 4, 8})); }, {"galerkin attention", "'pos'", "[1, 4, 2]"});
}

TEST(AttentionErrors, BadKeysNameTheKey) {
  expect_error([] { mixer("{type: softmax, heads: 3}", 8, nn::MixerRole::self); },
               {"key 'heads'", "a divisor of d_model 8", "3"});
  expect_error([] { mixer("{type: softmax, init: xavier}", 8, nn::MixerRole::self); },
               {"key 'init'", "default, gt, orthogonal", "'xavier'"});
  expect_error([] { mixer("{type: rotary_galerkin, heads: 4, head_dim: 6}", 8, nn::MixerRole::self); },
               {"key 'head_dim'", "multiple of 4"});
  expect_error([] { mixer("{type: softmax, kernel: flash}", 8, nn::MixerRole::self); },
               {"key 'kernel'", "auto, blocked, fused", "'flash'"});
  expect_error([] { mixer("{type: fourier, always_on_dropout: true}", 8, nn::MixerRole::self); },
               {"unknown key 'always_on_dropout'"});
}

}  // namespace
}  // namespace mno::testing
