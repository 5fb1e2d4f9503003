// Building mixers from config: every S6 type, and the errors for what cannot be built.
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
