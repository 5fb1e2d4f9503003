// The optimiser's parameter groups: parameters go to the first group whose name prefix matches
// (own lr and weight decay), the rest to a default group with the base settings; each rejected
// config names its key.
#include <gtest/gtest.h>

#include "mno/train/optimizer.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

// Parameters encoder.weight/bias, decoder.weight/bias, head.weight/bias.
struct ThreeParts : torch::nn::Module {
  ThreeParts() {
    register_module("encoder", torch::nn::Linear(2, 3));
    register_module("decoder", torch::nn::Linear(3, 2));
    register_module("head", torch::nn::Linear(2, 1));
  }
};

train::Optimizer make(const std::string& yaml, torch::nn::Module& model) {
  const auto config = Config::parse(yaml, "opt.yaml");
  return train::Optimizer(train::read_optimizer_spec(config.root()), model);
}

// Which parameters (by identity) a group holds, as names.
std::vector<std::string> names_in(const torch::optim::OptimizerParamGroup& group, const torch::nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& p : group.params())
    for (const auto& item : model.named_parameters())
      if (item.value().is_same(p)) names.push_back(item.key());
  return names;
}

double weight_decay(torch::optim::OptimizerParamGroup& group) {
  return static_cast<torch::optim::AdamWOptions&>(group.options()).weight_decay();
}

TEST(OptimizerGroups, EachPrefixGroupGetsItsOwnLrAndWeightDecayTheRestTheBase) {
  ThreeParts model;
  auto opt = make("{type: adamw, lr: 1.0e-3, weight_decay: 0.5, groups: [{prefixes: [encoder], lr: 1.0e-4}, "
                  "{prefixes: [decoder], weight_decay: 0.25}]}",
                  model);
  auto& groups = opt.get().param_groups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(names_in(groups[0], model), (std::vector<std::string>{"encoder.weight", "encoder.bias"}));
  EXPECT_DOUBLE_EQ(groups[0].options().get_lr(), 1e-4);
  EXPECT_DOUBLE_EQ(weight_decay(groups[0]), 0.5);
  EXPECT_EQ(names_in(groups[1], model), (std::vector<std::string>{"decoder.weight", "decoder.bias"}));
  EXPECT_DOUBLE_EQ(groups[1].options().get_lr(), 1e-3);
  EXPECT_DOUBLE_EQ(weight_decay(groups[1]), 0.25);
  // A parameter in no group: the default group, with the base lr and weight decay.
  EXPECT_EQ(names_in(groups[2], model), (std::vector<std::string>{"head.weight", "head.bias"}));
  EXPECT_DOUBLE_EQ(groups[2].options().get_lr(), 1e-3);
  EXPECT_DOUBLE_EQ(weight_decay(groups[2]), 0.5);
  EXPECT_EQ(opt.describe().rfind("adamw (3 parameter groups: encoder; decoder; rest), ", 0), 0u) << opt.describe();
}

TEST(OptimizerGroups, ScheduledLrKeepsEachGroupsRatioToTheBase) {
  ThreeParts model;
  auto opt = make("{type: adam, lr: 1.0e-3, groups: [{prefixes: [encoder], lr: 1.0e-4}]}", model);
  train::ScheduleValue value;
  value.lr = 2e-3;
  opt.apply(value);
  EXPECT_NEAR(opt.get().param_groups()[0].options().get_lr(), 2e-4, 1e-18);
  EXPECT_NEAR(opt.get().param_groups()[1].options().get_lr(), 2e-3, 1e-18);
}

TEST(OptimizerGroups, PrefixMatchesWholeNameComponentsOnly) {
  ThreeParts model;
  // "enc" is not a prefix of "encoder.weight" in this sense: the group matches nothing.
  expect_error([&] { make("{groups: [{prefixes: [enc]}]}", model); },
               {"groups[0]", "prefixes [enc] match no trainable parameter of the model"});
}

TEST(OptimizerGroups, ParameterInTwoGroupsGoesToTheFirst) {
  ThreeParts model;
  auto opt = make("{lr: 1.0e-3, groups: [{prefixes: [encoder, head], lr: 1.0e-4}, {prefixes: [head, decoder], lr: 1.0e-2}]}",
                  model);
  auto& groups = opt.get().param_groups();
  ASSERT_EQ(groups.size(), 2u);  // every parameter is in a prefix group: no default group
  EXPECT_EQ(names_in(groups[0], model),
            (std::vector<std::string>{"encoder.weight", "encoder.bias", "head.weight", "head.bias"}));
  EXPECT_EQ(names_in(groups[1], model), (std::vector<std::string>{"decoder.weight", "decoder.bias"}));
}

TEST(OptimizerGroups, GroupWhoseParametersAnEarlierGroupTookIsAnError) {
  ThreeParts model;
  expect_error([&] { make("{groups: [{prefixes: [encoder]}, {prefixes: [encoder]}]}", model); },
               {"groups[1]", "prefixes [encoder] match no trainable parameter"});
}

TEST(OptimizerErrors, UnknownType) {
  ThreeParts model;
  expect_error([&] { make("{type: sgd}", model); }, {"type", "unknown optimiser 'sgd'; expected adam or adamw"});
}

TEST(OptimizerErrors, BetasNeedTwoValues) {
  ThreeParts model;
  expect_error([&] { make("{betas: [0.9]}", model); }, {"betas", "expected two values [beta1, beta2]"});
}

TEST(OptimizerErrors, LrMustBePositive) {
  ThreeParts model;
  expect_error([&] { make("{lr: 0}", model); }, {"lr", "expected > 0, found 0"});
}

TEST(OptimizerErrors, GroupsMustBeAList) {
  ThreeParts model;
  expect_error([&] { make("{groups: {prefixes: [encoder]}}", model); }, {"groups", "expected a list of"});
}

TEST(OptimizerErrors, UnknownKeyInAGroup) {
  ThreeParts model;
  expect_error([&] { make("{groups: [{prefixes: [encoder], learning_rate: 1}]}", model); },
               {"opt.yaml", "unknown key", "groups[0].learning_rate"});
}

TEST(OptimizerErrors, ModelWithoutTrainableParameters) {
  torch::nn::Module empty;
  expect_error([&] { make("{}", empty); }, {"type", "the model has no trainable parameters"});
}

}  // namespace
}  // namespace mno::testing
