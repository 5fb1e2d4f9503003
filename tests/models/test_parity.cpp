// Parity with the MNO authors' PyTorch models (docs/models.md, "Parity with the authors' code").
// Each fixture in tests/fixtures/parity/<name>/ was made by tools/parity/make_fixtures.py from the
// authors' own classes: their checkpoint file(s) as they save them, one input batch, their outputs
// (eval and train mode, dropout off), the MSE loss on a fixed target and every parameter's
// gradient. Here the checkpoint is imported by the same code as `mno import`, our model runs
// forward and backward once, and outputs and gradients must agree.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mno/core/config.h"
#include "mno/models/authors_names.h"
#include "mno/models/checkpoint_import.h"
#include "mno/models/neural_operator.h"
#include "model_configs.h"

namespace mno {
namespace {

namespace fs = std::filesystem;

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

// Tolerances (fp32 both sides): outputs and loss 1e-5, gradients 1e-4, relative in the 2-norm.
constexpr double kOutputTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-4;
constexpr double kGradientFloor = 1e-4;  // see below

double relative_error(const torch::Tensor& ours, const torch::Tensor& theirs) {
  const double scale = theirs.norm().item<double>();
  const double diff = (ours - theirs).norm().item<double>();
  return scale > 0 ? diff / scale : diff;
}

std::string fixture_dir(const std::string& name) {
  return testing::source_dir() + "/tests/fixtures/parity/" + name;
}

struct Fixture {
  std::map<std::string, torch::Tensor> tensors;  // data.pt, flattened ("grads.<authors' name>")
  std::string mno_model;
};

Fixture read_fixture(const std::string& dir) {
  Fixture f;
  const auto entries = models::read_torch_entries(dir + "/data.pt");
  for (const auto& [k, v] : entries.tensors) f.tensors.emplace(k, v);
  for (const auto& [k, v] : entries.strings)
    if (k == "mno_model") f.mno_model = v;
  return f;
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, OutputsLossAndGradientsMatchTheAuthorsModel) {
  const auto dir = fixture_dir(GetParam());
  ASSERT_TRUE(fs::exists(dir + "/data.pt")) << dir << ": missing; make it with tools/parity/make_fixtures.py";
  const Fixture fx = read_fixture(dir);
  ASSERT_FALSE(fx.mno_model.empty()) << "data.pt holds no mno_model";
  const Config config = Config::parse("model: " + fx.mno_model, dir + "/data.pt:mno_model");
  const auto node = config.root().child("model");
  auto model = models::make_model(node);

  const auto parts = models::authors_checkpoint_parts(node);
  std::vector<std::string> files;
  for (const auto& part : parts) files.push_back(dir + "/" + (part.empty() ? "checkpoint" : part) + ".pt");
  const auto authors = models::read_authors_checkpoint(parts, files);
  const auto table = models::authors_name_table(node);
  models::load_authors_state(*model, authors, table, GetParam());

  const auto& t = fx.tensors;
  const auto features = t.at("features"), pos = t.at("pos"), target = t.at("target");
  const auto grid = t.at("grid");
  const models::TokenGrid g{grid[0].item<int64_t>(), grid[1].item<int64_t>()};

  model->eval();
  {
    torch::NoGradGuard no_grad;
    const auto out = model->forward(features, pos, g);
    ASSERT_EQ(out.sizes(), t.at("output_eval").sizes());
    const double err = relative_error(out, t.at("output_eval"));
    fmt::print("{}: eval output relative error {:.2e}\n", GetParam(), err);
    EXPECT_LE(err, kOutputTolerance) << "eval-mode output";
  }

  model->train();
  model->zero_grad();
  const auto out = model->forward(features, pos, g);
  const double out_err = relative_error(out.detach(), t.at("output_train"));
  EXPECT_LE(out_err, kOutputTolerance) << "train-mode output";
  const auto loss = torch::mse_loss(out, target);
  const double loss_err = relative_error(loss.detach(), t.at("loss"));
  EXPECT_LE(loss_err, kOutputTolerance) << "loss " << loss.item<double>() << " vs " << t.at("loss").item<double>();
  loss.backward();

  // The authors' gradients, renamed to ours by the same table; parameters without a gradient on
  // our side (frozen) must have none on theirs either.
  models::NamedTensors their_grads, our_params;
  for (const auto& [k, v] : t)
    if (k.rfind("grads.", 0) == 0) their_grads.emplace_back(k.substr(6), v);
  for (const auto& p : model->named_parameters())
    if (p.value().requires_grad()) our_params.emplace_back(p.key(), p.value());
  const auto mapped = models::map_authors_tensors(our_params, their_grads, table, GetParam() + " gradients",
                                                  /*allow_unused=*/true);
  // Relative to the gradient's own norm, floored at 1e-4 of the largest one. A few gradients are
  // zero in exact arithmetic and rounding on both sides (the key biases of softmax attention, which
  // shift every logit of a query alike), or cancel to ~1e-5 of the largest (GNOT's normalised
  // linear-attention keys): in fp32 their own norm measures only rounding.
  double largest = 0;
  for (const auto& [name, g] : mapped) largest = std::max(largest, g.norm().item<double>());
  double worst = 0;
  std::string worst_name;
  for (size_t i = 0; i < mapped.size(); ++i) {
    const auto& grad = our_params[i].second.grad();
    ASSERT_TRUE(grad.defined()) << our_params[i].first << " got no gradient";
    const double scale = mapped[i].second.norm().item<double>();
    const double err = (grad - mapped[i].second).norm().item<double>() / std::max(scale, kGradientFloor * largest);
    if (err > worst) worst = err, worst_name = mapped[i].first;
    EXPECT_LE(err, kGradientTolerance) << "gradient of " << mapped[i].first << " (norm " << scale << ")";
  }
  fmt::print("{}: train output {:.2e}, loss {:.2e}, worst gradient {:.2e} ({}) over {} parameters (largest norm {:.2e})\n",
             GetParam(), out_err, loss_err, worst, worst_name, mapped.size(), largest);
}

INSTANTIATE_TEST_SUITE_P(AuthorsFixtures, Parity, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace mno
