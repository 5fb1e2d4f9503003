// `mno predict` writes what evaluation computes: on a run trained at stride 2, the predicted
// fields of the test samples equal evaluate()'s predictions, value for value, and the input
// coefficients are the file's, sub-sampled.
#include <gtest/gtest.h>

#include "mno/data/pdebench_reader.h"
#include "mno/eval/evaluate.h"
#include "mno/workflows/predict.h"
#include "mno/run/saved_run.h"
#include "mno/workflows/training.h"
#include "support/testing.h"
#include "train/train_test_support.h"

using namespace mno::run;

namespace mno::workflows {
namespace {

using data::testing::TempDir;

torch::Tensor as_tensor(const data::FloatArray& a) {
  std::vector<int64_t> shape(a.shape.begin(), a.shape.end());
  return torch::tensor(a.values).reshape(shape);
}

TEST(Predict, AtStrideTwoEqualsTheEvaluationsPredictions) {
  TempDir dir;
  const std::string file = train::testing::make_darcy(dir.path(), 24, 16);
  Config config = train::testing::tiny_gt_config(file);
  config.apply_overrides({"train.epochs=1", "data.stride=2"});
  start_training(config, dir.file("run"))->run({false});

  predict_file(dir.file("run"), file, dir.file("pred.h5"), "last", false);
  const data::PdebenchReader written(dir.file("pred.h5"));
  ASSERT_EQ(written.info().samples, 24u);
  ASSERT_EQ(written.info().nx, 8u);

  SavedRun r = load_saved_run(dir.file("run"), "last");
  const auto loader = r.data->test_loader(3);
  eval::EvalOptions keep_all;
  keep_all.keep_samples = 24;
  const eval::Evaluation e = eval::evaluate(*r.model, *r.data, *loader, keep_all);
  const int64_t k = e.prediction.size(0);
  ASSERT_EQ(k, 2);  // the pdebench split's test samples: the first 10% of 24
  const data::DarcySamples got = written.read_darcy({0, static_cast<size_t>(k)});
  const torch::Tensor predicted = as_tensor(got.solution);                // [k, 8, 8]
  const torch::Tensor expected = e.prediction.reshape({k, 8, 8});
  EXPECT_LT(testing::relative_error(predicted, expected), 1e-6);
  EXPECT_GT(expected.abs().max().item<double>(), 0.0);
  const data::DarcySamples original = data::PdebenchReader(file).read_darcy({0, static_cast<size_t>(k), 2});
  EXPECT_TRUE(torch::equal(as_tensor(got.coefficient), as_tensor(original.coefficient)));
}

TEST(Predict, RefusesToWriteOverItsInput) {
  TempDir dir;
  const std::string file = train::testing::make_darcy(dir.path());
  Config config = train::testing::tiny_gt_config(file);
  config.apply_override("train.epochs=1");
  start_training(config, dir.file("run"))->run({false});
  testing::expect_error([&] { predict_file(dir.file("run"), file, file, "last", false); }, {"--out", "is the same as --input"});
}

}  // namespace
}  // namespace mno::workflows
