// Building mixers from config: every S6 type, and the errors for what cannot be built.
#include <map>

#include <gtest/gtest.h>

#include "mno/core/config.h"
#include "mno/nn/mixer.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

nn::TokenMixer build(const std::string& yaml, nn::MixerRole role = nn::MixerRole::self, int64_t d_model = 16) {
  const auto cfg = Config::parse(yaml, "test.yaml");
  return nn::make_mixer(cfg.root().child("mixer"), d_model, role);
}

TEST(MixerRegistry, ListsTheS6Types) {
  const auto types = nn::mixer_types();
  for (const char* t : {"mamba", "mamba4", "mamba_block"})
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
}

TEST(MixerRegistry, BuildsEachS6MixerWithItsOptions) {
  auto m = build("mixer: {type: mamba, d_state: 8, expand: 1.5, dt_rank: 3}");
  EXPECT_EQ(m->describe(), "SelectiveScan2d(d_model 16, d_inner 24, d_state 8, dt_rank 3, directions 2)");
  EXPECT_EQ(m->forward(torch::randn({2, 9, 16})).sizes(), (std::vector<int64_t>{2, 9, 16}));
  auto m4 = build("mixer: {type: mamba4}");
  EXPECT_EQ(m4->forward(torch::randn({1, 12, 16}), {}, {}, {3, 4}).sizes(), (std::vector<int64_t>{1, 12, 16}));
  auto cross = build("mixer: {type: mamba, dt_rank: auto}", nn::MixerRole::cross);
  EXPECT_NE(cross->describe().find("CrossSelectiveScan2d"), std::string::npos);
  auto block = build("mixer: {type: mamba_block, d_conv: 3}");
  EXPECT_EQ(block->forward(torch::randn({2, 5, 16})).sizes(), (std::vector<int64_t>{2, 5, 16}));
}

// Hosts and commands ask a mixer what it is (nn/ssm_probe.h, TokenMixerImpl::prefers_pre_norm),
// never its type name: every registered type answers, the SSMs with their kind.
TEST(MixerRegistry, EveryMixerDescribesItself) {
  const std::map<std::string, std::string> ssm_kind = {{"mamba", "s6"}, {"mamba4", "s6"}, {"s4", "s4"}, {"s4d", "s4d"}};
  for (const auto& type : nn::mixer_types()) {
    const auto m = build("mixer: {type: " + type + "}");
    const auto kind = ssm_kind.find(type);
    if (kind == ssm_kind.end()) {
      EXPECT_EQ(m->ssm_probe(), nullptr) << type;
    } else {
      ASSERT_NE(m->ssm_probe(), nullptr) << type;
      EXPECT_EQ(m->ssm_probe()->ssm_kind(), kind->second);
    }
    EXPECT_EQ(m->prefers_pre_norm(), type == "softmax") << type;
  }
}

// An S6 layer's recorded response is the average over the forwards since recording started; an
// LTI layer's is its transfer function, whatever ran.
TEST(MixerRegistry, AnSsmsResponseIsRecordedOverForwards) {
  const auto theta = torch::linspace(0.1, 3.0, 5, torch::kDouble);
  const auto s6 = build("mixer: {type: mamba, d_state: 4}");
  auto* probe = s6->ssm_probe();
  EXPECT_EQ(probe->response_magnitude(theta, 9).abs().sum().item<double>(), 0.0);  // nothing recorded yet
  probe->start_recording(theta);
  torch::NoGradGuard no_grad;
  s6->forward(torch::randn({1, 9, 16}));
  const auto once = probe->response_magnitude(theta, 9);
  s6->forward(torch::randn({1, 9, 16}));
  probe->stop_recording();
  const auto twice = probe->response_magnitude(theta, 9);
  s6->forward(torch::randn({1, 9, 16}));  // not recorded
  EXPECT_TRUE(torch::equal(probe->response_magnitude(theta, 9), twice));
  EXPECT_EQ(once.sizes(), (std::vector<int64_t>{2 * 32, 5}));  // K · E rows (E = expand 2 · 16)
  EXPECT_GT(once.min().item<double>(), 0.0);
  EXPECT_FALSE(torch::equal(once, twice));
  const auto lti = build("mixer: {type: s4d, d_state: 4}");
  EXPECT_EQ(lti->ssm_probe()->response_magnitude(theta, 9).sizes(), (std::vector<int64_t>{2 * 16, 5}));
}

TEST(MixerRegistry, RejectsUnknownType) {
  expect_error([] { build("mixer: {type: mambo}"); }, {"test.yaml", "mixer.type", "one of the mixer types", "mamba", "'mambo'"});
}

TEST(MixerRegistry, RejectsUnknownKey) {
  expect_error([] { build("mixer: {type: mamba, d_stat: 16}"); }, {"test.yaml", "unknown key 'mixer.d_stat'", "d_state"});
}

TEST(MixerRegistry, RejectsWrongValueType) {
  expect_error([] { build("mixer: {type: mamba, d_state: many}"); }, {"mixer.d_state", "an integer", "'many'"});
  expect_error([] { build("mixer: {type: mamba, dt_rank: -2}"); }, {"mixer.dt_rank", "positive integer or \"auto\"", "'-2'"});
}

TEST(MixerRegistry, RejectsCrossFormOfSelfOnlyType) {
  expect_error([] { build("mixer: {type: mamba_block}", nn::MixerRole::cross); }, {"'mamba_block'", "has no cross form"});
}

TEST(MixerRegistry, RejectsDuplicateRegistration) {
  nn::mixer_types();  // built-ins registered
  expect_error([] { nn::register_mixer("mamba", [](const ConfigNode&, int64_t) { return nn::TokenMixer(); }, nullptr); },
               {"'mamba' is already registered"});
}

}  // namespace
}  // namespace mno::testing
