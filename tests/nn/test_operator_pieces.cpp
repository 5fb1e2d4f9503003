// The shared pieces of the operators: rotary embedding, spectral convolution, FFNs, Gaussian
// Fourier features.
#include <gtest/gtest.h>

#include "mno/nn/blocks/feed_forward.h"
#include "mno/nn/mixer.h"
#include "mno/nn/parameter_counts.h"
#include "mno/nn/blocks/rotary.h"
#include "mno/nn/blocks/spectral_conv.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

// Rotary embeddings make q·k depend on positions only through their difference.
TEST(OperatorPiecesRotary, ScoresDependOnlyOnRelativePosition) {
  torch::manual_seed(0);
  const nn::Rotary2d rotary{4.0, 1.0 / 64.0};
  const auto q = torch::randn({1, 1, 1, 8}, torch::kDouble), k = torch::randn({1, 1, 1, 8}, torch::kDouble);
  const auto p = torch::tensor({0.1, 0.7}, torch::kDouble).view({1, 1, 2});
  const auto r = torch::tensor({0.4, -0.2}, torch::kDouble).view({1, 1, 2});
  const auto shift = torch::tensor({0.05, 0.3}, torch::kDouble).view({1, 1, 2});
  const auto score = [&](const torch::Tensor& a, const torch::Tensor& b) {
    return (rotary.apply(q, a) * rotary.apply(k, b)).sum().item<double>();
  };
  EXPECT_NEAR(score(p, r), score(p + shift, r + shift), 1e-9);
  EXPECT_GT(std::abs(score(p, r) - score(p, r + shift)), 1e-6);  // and it does depend on the difference
}

TEST(OperatorPiecesSpectralConv, DropsFrequenciesAboveTheModes) {
  torch::manual_seed(1);
  nn::SpectralConv2dOptions o;
  o.in = 2, o.out = 3, o.modes1 = 2, o.modes2 = 2;
  nn::SpectralConv2d conv(o);
  const auto i = torch::arange(16, torch::kFloat).view({16, 1}), j = torch::arange(16, torch::kFloat).view({1, 16});
  const auto high = torch::cos(2 * M_PI * 5 * j / 16) * torch::ones_like(i);  // frequency 5 > modes 2
  const auto low = torch::cos(2 * M_PI * 1 * i / 16) * torch::ones_like(j);
  torch::NoGradGuard no_grad;
  EXPECT_LT(conv->forward(high.expand({1, 2, 16, 16})).abs().max().item<double>(), 1e-5);
  EXPECT_GT(conv->forward(low.expand({1, 2, 16, 16})).abs().max().item<double>(), 1e-4);
  expect_error([&] { conv->forward(torch::zeros({1, 2, 3, 16})); }, {"SpectralConv2d: grid", "3 × 16"});
}

TEST(OperatorPiecesFeedForward, GegluIsGeluOfFirstHalfTimesSecond) {
  torch::manual_seed(2);
  nn::FeedForward ffn(4, 3, nn::FeedForwardKind::geglu);
  EXPECT_EQ(nn::count_parameters(*ffn).trainable, (4 * 6 + 6) + (3 * 4 + 4));
  const auto x = torch::randn({2, 4});
  const auto params = ffn->named_parameters();
  const auto h = torch::matmul(x, params["fc1.weight"].t()) + params["fc1.bias"];
  const auto want = torch::matmul(torch::gelu(h.narrow(1, 0, 3)) * h.narrow(1, 3, 3), params["fc2.weight"].t()) +
                    params["fc2.bias"];
  EXPECT_LT(relative_error(ffn->forward(x), want), 1e-6);
  expect_error([] { nn::feed_forward_kind("swish", "key 'activation'"); }, {"key 'activation'", "relu, gelu, geglu"});
}

TEST(OperatorPiecesFourierFeatures, FrozenAndSinCos) {
  nn::GaussianFourierFeatures gff(2, 5, 8.0);
  EXPECT_EQ(nn::count_parameters(*gff).trainable, 0);
  EXPECT_FALSE(gff->B.requires_grad());
  const auto y = gff->forward(torch::rand({3, 2}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_LT((y.narrow(1, 0, 5).square() + y.narrow(1, 5, 5).square() - 1).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace mno::testing
