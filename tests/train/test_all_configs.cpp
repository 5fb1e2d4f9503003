// Every shipped config (configs/<dataset>/*.yaml) trains for two steps and evaluates, at full
// model size, on a small generated file of its dataset (24 x 24 points, 2 output frames): the
// configs stay loadable as the code changes, and each host x mixer x dataset runs end to end.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "mno/data/gen/generate.h"
#include "mno/workflows/evaluate_run.h"
#include "mno/workflows/training.h"
#include "mno/train/trainer.h"
#include "mno/train/training_length.h"
#include "support/shipped_configs.h"
#include "train/train_test_support.h"

namespace mno::train {
namespace {

namespace fs = std::filesystem;
constexpr size_t kSide = 24, kFrames = 12, kSamples = 20;

const std::string& data_file(const std::string& dataset) {
  static data::testing::TempDir dir;
  static std::map<std::string, std::string> files;
  if (files.count(dataset)) return files[dataset];
  data::gen::GenerateOptions o;
  o.samples = kSamples;
  o.progress = false;
  o.out = dir.file(dataset + ".h5");
  if (dataset == "darcy") {
    data::gen::DarcyParams p;
    p.resolution = kSide;
    data::gen::generate_darcy(o, p);
  } else if (dataset == "darcy_points") {  // 48 points, each sample its own (docs/irregular.md)
    data::gen::DarcyParams p;
    p.resolution = kSide;
    data::gen::PointCloudOptions cloud;
    cloud.points = 48;
    cloud.per_sample = true;
    cloud.density = data::gen::PointDensity::clustered;
    data::gen::generate_darcy(o, p, cloud);
  } else if (dataset == "swe") {
    data::gen::DamBreakParams p;
    p.resolution = kSide;
    p.frames = kFrames;
    data::gen::generate_shallow_water(o, p);
  } else {
    data::gen::DiffusionReactionParams p;
    p.resolution = kSide;
    p.frames = kFrames;
    p.final_time = 0.5;
    data::gen::generate_diffusion_reaction(o, p);
  }
  return files[dataset] = o.out;
}

class EveryConfig : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryConfig, TrainsTwoStepsAndEvaluates) {
  const std::string path = GetParam();
  const std::string dataset = fs::path(path).parent_path().filename().string();
  Config config = Config::load_file(path);
  const bool steady = dataset == "darcy" || dataset == "darcy_points";
  const int64_t channels = dataset == "diffreact" ? 2 : 1;
  apply_run_overrides(config, {"data.file=" + data_file(dataset), "data.stride=1", "data.resolution=0",
                          "data.train_samples=2", "data.test_samples=2", "train.device=cpu", "train.batch_size=2",
                          "train.eval_batch_size=2", "train.iterations=2", "train.plot_samples=1",
                          fmt::format("model.out_channels={}", steady ? 1 : static_cast<int64_t>(kFrames - 10) * channels)});
  // OFormer marches one latent step per output frame.
  if (!steady && fs::path(path).stem().string().rfind("oformer", 0) == 0)
    config.apply_override(fmt::format("model.steps={}", kFrames - 10));
  data::testing::TempDir runs;
  auto trainer = workflows::start_training(config, runs.file("run"));
  const TrainOutcome outcome = trainer->run({false});
  EXPECT_EQ(outcome.state.step, 2);
  trainer.reset();
  const workflows::RunEvaluation e = workflows::evaluate_run(runs.file("run"), "", "", false);
  EXPECT_EQ(e.evaluation.samples, 2u);
  EXPECT_TRUE(std::isfinite(e.evaluation.standard.result().rl2)) << path;
}

INSTANTIATE_TEST_SUITE_P(Configs, EveryConfig, ::testing::ValuesIn(mno::testing::shipped_configs()),
                         mno::testing::shipped_config_name);

}  // namespace
}  // namespace mno::train
