// The s4 and s4d mixers: built from config, shapes, bi-directionality, gradients reaching every
// parameter, their transfer functions against their kernels, and bad keys.
#include <gtest/gtest.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "mno/nn/lti/structured_ssm_2d.h"
#include "mno/ssm/frequency_response.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

nn::TokenMixer build(const std::string& yaml, int64_t d_model = 8) {
  const auto cfg = Config::parse(yaml, "test.yaml");
  return nn::make_mixer(cfg.root().child("mixer"), d_model, nn::MixerRole::self);
}

TEST(StructuredSsmMixer, BothTypesMapTokensToTokensAndDescribeThemselves) {
  torch::manual_seed(0);
  for (const char* yaml : {"mixer: {type: s4d, d_state: 8, init: inv}", "mixer: {type: s4, d_state: 8, dt_min: 0.01}"}) {
    auto m = build(yaml);
    EXPECT_EQ(m->forward(torch::randn({2, 20, 8})).sizes(), (std::vector<int64_t>{2, 20, 8})) << yaml;
  }
  EXPECT_EQ(build("mixer: {type: s4d, d_state: 8, init: inv}")->describe(), "S4D(d_model 8, d_state 8, init inv, directions 2)");
  EXPECT_EQ(build("mixer: {type: s4}")->describe(), "S4(d_model 8, d_state 64, DPLR HiPPO-LegS, directions 2)");
}

TEST(StructuredSsmMixer, SeesBothDirections) {
  // A change at the last token must reach the first one (the reversed kernel) and vice versa.
  torch::manual_seed(1);
  for (const char* type : {"s4", "s4d"}) {
    auto m = build(fmt::format("mixer: {{type: {}, d_state: 4}}", type));
    const auto x = torch::randn({1, 16, 8});
    auto x2 = x.clone();
    x2[0][15] += 1;
    const auto dy = (m->forward(x2) - m->forward(x)).abs();
    EXPECT_GT(dy[0][0].max().item<double>(), 1e-6) << type;
    auto x3 = x.clone();
    x3[0][0] += 1;
    EXPECT_GT((m->forward(x3) - m->forward(x)).abs()[0][15].max().item<double>(), 1e-6) << type;
  }
}

TEST(StructuredSsmMixer, GradientsReachEveryParameter) {
  torch::manual_seed(2);
  for (const char* type : {"s4", "s4d"}) {
    auto m = build(fmt::format("mixer: {{type: {}, d_state: 4}}", type));
    m->forward(torch::randn({2, 12, 8})).pow(2).sum().backward();
    for (const auto& p : m->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << type << " " << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << type << " " << p.key();
    }
  }
}

TEST(StructuredSsmMixer, GradientsMatchFiniteDifferences) {
  // Central differences of the loss along each parameter's gradient direction. A gradient lost or
  // corrupted on the way (it once was: LibTorch 1.13's gelu_backward with a non-contiguous
  // incoming gradient) is off by orders of magnitude, far outside the fp32 tolerance.
  for (const char* type : {"s4", "s4d"}) {
    torch::manual_seed(4);
    auto m = build(fmt::format("mixer: {{type: {}, d_state: 4}}", type));
    const auto x = torch::randn({2, 12, 8});
    const auto loss = [&] { return m->forward(x).pow(2).sum(); };
    loss().backward();
    for (const auto& p : m->named_parameters()) {
      const auto g = p.value().grad().clone();
      const auto direction = g / g.norm();
      const double eps = 1e-2;
      double plus = 0, minus = 0;
      {
        torch::NoGradGuard no_grad;
        p.value().add_(direction * eps);
        plus = loss().item<double>();
        p.value().add_(direction * (-2 * eps));
        minus = loss().item<double>();
        p.value().add_(direction * eps);
      }
      const double numeric = (plus - minus) / (2 * eps), analytic = g.norm().item<double>();
      EXPECT_NEAR(numeric, analytic, 0.05 * analytic + 1e-3) << type << " " << p.key();
    }
  }
}

TEST(StructuredSsmMixer, TransferFunctionIsTheKernelsSpectrumForALongKernel) {
  // |H(e^{iθ})| is the DTFT of the infinite kernel; a kernel long enough to have decayed has the
  // same spectrum at the DFT frequencies.
  torch::manual_seed(3);
  const int64_t L = 4096;
  for (const char* type : {"s4", "s4d"}) {
    auto mixer = build(fmt::format("mixer: {{type: {}, d_state: 4, dt_min: 0.05, dt_max: 0.2}}", type), 2);
    auto* m = dynamic_cast<nn::StructuredSsm2dBase*>(mixer.get());
    ASSERT_NE(m, nullptr);
    torch::NoGradGuard no_grad;
    const auto K = m->kernel(L).to(torch::kDouble);
    const auto spectrum = torch::fft::rfft(K, L, -1).narrow(-1, 0, 9);
    const auto theta = torch::arange(9, torch::kDouble) * (2 * M_PI / L);
    const auto H = m->frequency_response(theta, L).to(torch::kComplexDouble);
    EXPECT_LT(relative_error(torch::abs(H), torch::abs(spectrum)), 1e-3) << type;
  }
}

TEST(StructuredSsmMixer, BadKeysAndValuesAreNamed) {
  expect_error([] { build("mixer: {type: s4d, d_state: 7}"); }, {"mixer.d_state", "even number", "7"});
  expect_error([] { build("mixer: {type: s4d, init: random}"); }, {"mixer.init", "random"});
  expect_error([] { build("mixer: {type: s4, init: lin}"); }, {"unknown key 'mixer.init'"});
  expect_error([] { build("mixer: {type: s4d, dt_min: 0}"); }, {"mixer.dt_min", "0 < dt_min <= dt_max"});
  expect_error([] { build("mixer: {type: s4d}")->forward(torch::randn({1, 4, 8}), torch::randn({1, 4, 8})); },
               {"self form take no context"});
}

}  // namespace
}  // namespace mno::testing
