// Every model config builds, maps [B, L, in] to [B, L, out] on a small grid, and back-propagates a
// finite, non-zero gradient into every trainable parameter (GNOT's one-expert gate excepted, §2.1).
// Also: seeded determinism, save -> load, and the configuration errors users will meet.
#include <sstream>

#include <gtest/gtest.h>

#include "mno/core/seed.h"
#include "models/model_configs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

class ModelsEveryConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelsEveryConfig, ForwardShapeAndFiniteGradientForEveryParameter) {
  const auto& config = GetParam();
  const auto model = build_small_model(config);
  const auto in = make_inputs(*model, 1, 1);
  const auto y = model->forward(in.features, in.pos, {kSide, kSide});
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, kSide * kSide, model->out_channels()}));
  ASSERT_TRUE(torch::isfinite(y).all().item<bool>());
  y.square().mean().backward();
  for (const auto& item : model->named_parameters()) {
    const auto& p = item.value();
    if (!p.requires_grad()) continue;
    ASSERT_TRUE(p.grad().defined()) << config << ": no gradient for " << item.key();
    EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>()) << config << ": " << item.key();
    const bool dead_gate = item.key().find(".gate.") != std::string::npos;  // GNOT, one expert: softmax ≡ 1
    if (dead_gate)
      EXPECT_EQ(p.grad().abs().max().item<double>(), 0.0) << item.key();
    else
      EXPECT_GT(p.grad().abs().max().item<double>(), 0.0) << config << ": zero gradient for " << item.key();
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, ModelsEveryConfig, ::testing::ValuesIn(all_model_configs()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(ModelsConfigs, EveryPaperCombinationHasAConfig) {
  const auto files = all_model_configs();
  for (const std::string dataset : {"darcy", "swe", "diffreact"})
    for (const std::string name : {"gnot_linear", "gnot_softmax", "gnot_mamba", "gt_galerkin", "gt_softmax",
                                   "gt_mamba", "oformer_galerkin", "oformer_softmax", "oformer_mamba", "fno"})
      EXPECT_NE(std::find(files.begin(), files.end(), dataset + "/" + name + ".yaml"), files.end())
          << dataset << "/" << name;
  EXPECT_NE(std::find(files.begin(), files.end(), "darcy/gt_mamba4.yaml"), files.end());
}

torch::Tensor seeded_output(const std::string& config, uint64_t seed) {
  mno::seed_everything(seed);
  const auto model = build_model(config);
  const auto in = make_inputs(*model, 1, 7);
  torch::NoGradGuard no_grad;
  model->eval();
  return model->forward(in.features, in.pos, {kSide, kSide});
}

TEST(ModelsDeterminism, SameSeedSameModelAndOutputOnCpu) {
  const auto a = seeded_output("swe/gnot_mamba.yaml", 3), b = seeded_output("swe/gnot_mamba.yaml", 3);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, seeded_output("swe/gnot_mamba.yaml", 4)));
}

TEST(ModelsSerialisation, SaveThenLoadGivesIdenticalOutputs) {
  for (const std::string config : {"darcy/oformer_mamba.yaml", "darcy/gnot_linear.yaml"}) {
    torch::manual_seed(1);
    const auto saved = build_model(config);
    torch::manual_seed(2);
    const auto loaded = build_model(config);
    std::stringstream buffer;
    {
      torch::serialize::OutputArchive archive;
      saved->save(archive);
      archive.save_to(buffer);
    }
    torch::serialize::InputArchive archive;
    archive.load_from(buffer);
    loaded->load(archive);
    const auto in = make_inputs(*saved, 1, 5);
    torch::NoGradGuard no_grad;
    saved->eval();
    loaded->eval();
    EXPECT_TRUE(torch::equal(saved->forward(in.features, in.pos, {kSide, kSide}),
                             loaded->forward(in.features, in.pos, {kSide, kSide})))
        << config;
  }
}

TEST(ModelsErrors, UnknownModelNameListsTheModels) {
  expect_error([] { build_model("darcy/gt_galerkin.yaml", {"model.name=transformer"}); },
               {"model.name", "fno, gnot, gt, oformer", "'transformer'"});
}

TEST(ModelsErrors, UnknownMixerTypeNamesTheKey) {
  expect_error([] { build_model("darcy/gt_galerkin.yaml", {"model.mixer.type=mambo"}); },
               {"model.mixer.type", "galerkin", "mamba", "'mambo'"});
}

TEST(ModelsErrors, UnknownModelKeyNamesTheKey) {
  const auto config = Config::parse("model: {name: gnot, widht: 64, mixer: {type: linear}}", "typo.yaml");
  expect_error([&] { models::make_model(config.root().child("model")); }, {"typo.yaml", "unknown key 'model.widht'"});
}

TEST(ModelsErrors, UnknownMixerKeyNamesTheKey) {
  const auto config = Config::parse("model: {name: gt, mixer: {type: galerkin, head: 4}}", "typo.yaml");
  expect_error([&] { models::make_model(config.root().child("model")); }, {"unknown key 'model.mixer.head'"});
}

TEST(ModelsErrors, MixerWithoutCrossFormInAHostThatNeedsOne) {
  expect_error([] { build_model("darcy/gnot_linear.yaml", {"model.mixer.type=galerkin"}); },
               {"mixer type 'galerkin'", "no cross form", "model.mixer.type"});
}

TEST(ModelsErrors, MarchingOutputMustBeAMultipleOfSteps) {
  expect_error([] { build_model("swe/oformer_galerkin.yaml", {"model.out_channels=90"}); },
               {"model.out_channels", "multiple of steps = 91", "90"});
}

TEST(ModelsInfo, DescribeEndsWithTheParameterCounts) {
  const auto text = models::describe_model(*build_model("darcy/oformer_galerkin.yaml"));
  EXPECT_NE(text.find("trainable parameters: 2556321\n"), std::string::npos) << text;
  EXPECT_NE(text.find("frozen parameters: 256\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace mno::testing
