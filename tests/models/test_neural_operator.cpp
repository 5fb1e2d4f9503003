// The calling convention every model checks on entry (NeuralOperatorImpl::check_inputs): each
// rejected input names the model, the tensor, what was expected and what was found.
#include <gtest/gtest.h>

#include "models/model_configs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

TEST(NeuralOperatorInputs, FeaturesWithTheWrongChannelCount) {
  const auto model = build_model("darcy/gnot_linear.yaml");
  expect_error([&] { model->forward(torch::zeros({1, 64, 3}), torch::zeros({1, 64, 2})); },
               {"gnot", "'features'", "[batch, L, 1]", "[1, 64, 3]"});
}

TEST(NeuralOperatorInputs, PositionsThatDoNotMatchTheFeatures) {
  const auto model = build_model("darcy/gnot_linear.yaml");
  expect_error([&] { model->forward(torch::zeros({1, 64, 1}), torch::zeros({1, 63, 2})); },
               {"gnot", "'pos'", "[1, 64, 2]", "[1, 63, 2]"});
}

TEST(NeuralOperatorInputs, NonSquarePointCountWithoutAGrid) {
  const auto model = build_model("darcy/gnot_linear.yaml");
  expect_error([&] { model->forward(torch::zeros({1, 12, 1}), torch::zeros({1, 12, 2})); },
               {"gnot", "L = 12 is not a perfect square", "pass the grid"});
}

TEST(NeuralOperatorInputs, GridThatDoesNotHoldThePoints) {
  const auto model = build_model("darcy/gnot_linear.yaml");
  expect_error([&] { model->forward(torch::zeros({1, 12, 1}), torch::zeros({1, 12, 2}), {5, 3}); },
               {"gnot: token grid", "height × width = L = 12", "5 × 3 = 15"});
}

}  // namespace
}  // namespace mno::testing
