// Parity with the MNO authors' PyTorch models (docs/models.md, "Parity with the authors' code").
// Each fixture in tests/fixtures/parity/<name>/ was made by tools/parity/make_fixtures.py from the
// authors' own classes: their checkpoint file(s) as they save them, one input batch, their outputs
// (eval and train mode, dropout off), the MSE loss on a fixed target and every parameter's
// gradient, all in float64. Here the checkpoint is imported by the same code as `mno import`, our
// model runs forward and backward once in float64, and outputs and gradients must agree, each
// gradient to its own scale (models/parity_check.h). test_parity_mutations.cpp shows that this check
// fails for a perturbed gradient of every parameter kind.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "models/parity_check.h"

namespace mno {
namespace {

// Every host x mixer x dataset variant the configs ship. A fixture missing here is a failure.
const std::vector<std::string> kFixtures = {
    "gt_galerkin_darcy", "gt_galerkin_swe",   "gt_galerkin_diffreact", "gt_softmax_darcy", "gt_softmax_swe",
    "gt_softmax_diffreact", "gt_mamba_darcy", "gt_mamba_swe",          "gt_mamba_diffreact", "gt_mamba4_darcy",
    "gnot_linear_darcy", "gnot_linear_swe", "gnot_linear_diffreact", "gnot_softmax_darcy", "gnot_softmax_swe",
    "gnot_softmax_diffreact", "gnot_mamba_darcy", "gnot_mamba_swe", "gnot_mamba_diffreact", "gnot_mamba4_darcy",
    "gnot_mamba4_swe", "gnot_mamba4_diffreact",
    "oformer_galerkin_darcy", "oformer_galerkin_swe", "oformer_galerkin_diffreact", "oformer_softmax_darcy",
    "oformer_softmax_swe", "oformer_softmax_diffreact", "oformer_mamba_darcy", "oformer_mamba_swe",
    "oformer_mamba_diffreact",
};

class Parity : public ::testing::TestWithParam<std::string> {};

// Tolerances and the gradient rule: models/parity_check.h (all in float64).
TEST_P(Parity, OutputsLossAndGradientsMatchTheAuthorsModel) {
  const auto run = testing::run_parity(GetParam());
  fmt::print("{}: eval output relative error {:.2e}\n", GetParam(), run.eval_error);
  EXPECT_LE(run.eval_error, testing::kOutputTolerance) << "eval-mode output";
  EXPECT_LE(run.train_error, testing::kOutputTolerance) << "train-mode output";
  EXPECT_LE(run.loss_error, testing::kOutputTolerance) << "loss";

  const auto report = testing::compare_gradients(run, run.their_grads);
  for (const auto& failure : report.failures()) ADD_FAILURE() << "gradient of " << failure;
  size_t exact_zero = 0, frozen = 0;
  for (const auto& r : report.results) {
    exact_zero += r.rule.rfind("exact zero", 0) == 0;
    frozen += r.rule == "frozen";
  }
  const auto* worst = report.worst_relative();
  ASSERT_NE(worst, nullptr);
  fmt::print("{}: train output {:.2e}, loss {:.2e}, worst gradient {:.2e} ({}, norm {:.2e} = {:.1e} of the largest) "
             "over {} parameters ({} exact zeros, {} frozen; largest norm {:.2e})\n",
             GetParam(), run.train_error, run.loss_error, worst->error, worst->ours, worst->own_norm,
             worst->own_norm / report.largest, report.results.size(), exact_zero, frozen, report.largest);
}

INSTANTIATE_TEST_SUITE_P(AuthorsFixtures, Parity, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace mno
