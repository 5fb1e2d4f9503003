// Training end to end on a tiny GT and a small generated Darcy set: run directory contents,
// bit-exact resume, NaN stop, evaluation and prediction from a run directory, and every class of
// bad input with its message.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "mno/workflows/evaluate_run.h"
#include "mno/workflows/training.h"
#include "mno/train/trainer.h"
#include "support/testing.h"
#include "train/train_test_support.h"

namespace mno::train {
namespace {

namespace fs = std::filesystem;
using mno::testing::read_text;
using data::testing::TempDir;
using mno::testing::expect_error;

// The train_loss column of a log.csv.
std::vector<std::string> losses(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream r(line);
    for (std::string c; std::getline(r, c, ',');) cells.push_back(c);
    out.push_back(cells.at(0) + ":" + cells.at(1) + ":" + cells.at(3));  // epoch:step:loss
  }
  return out;
}

TEST(Trainer, WritesASelfDescribingRunDirectory) {
  TempDir dir;
  const Config config = testing::tiny_gt_config(testing::make_darcy(dir.path()));
  auto trainer = workflows::start_training(config, dir.file("run"));
  const TrainOutcome outcome = trainer->run({false});
  EXPECT_FALSE(outcome.interrupted);
  EXPECT_EQ(outcome.state.epoch, 3);
  EXPECT_EQ(outcome.state.step, 3 * 5);  // 22 train samples / batch 4, the short batch dropped
  for (const char* f : {"config.yaml", "log.csv", "checkpoints/last.pt", "checkpoints/best.pt"})
    EXPECT_TRUE(fs::exists(dir.file("run/") + f)) << f;
  const auto rows = losses(read_text(dir.file("run/log.csv")));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].substr(0, 5), "3:15:");
  trainer.reset();  // the run is finished: its lock is released

  const workflows::RunEvaluation e = workflows::evaluate_run(dir.file("run"), "", "", false);
  EXPECT_EQ(e.evaluation.samples, 2u);  // pdebench split: test = the first 10% of 24, rounded down
  for (const char* f : {"metrics.json", "along_time.csv", "report.md", "plots/loss.png", "plots/sample0.png",
                        "plots/spectrum.png"})
    EXPECT_TRUE(fs::exists(dir.file("run/") + f)) << f;
  const auto json = nlohmann::json::parse(read_text(dir.file("run/metrics.json")));
  EXPECT_TRUE(json["standard"]["nrmse"].is_number());
  EXPECT_TRUE(json["paper"]["rmse"].is_number());
  EXPECT_NE(read_text(dir.file("run/report.md")).find("| nrmse |"), std::string::npos);
}

// On CPU a run stopped mid-epoch and resumed gives the same losses and weights, bit for bit.
TEST(Trainer, ResumedRunMatchesAnUninterruptedOneBitForBit) {
  TempDir dir;
  const Config config = testing::tiny_gt_config(testing::make_darcy(dir.path()));
  auto whole = workflows::start_training(config, dir.file("whole"));
  whole->run({false});

  auto first = workflows::start_training(config, dir.file("split"));
  TrainOptions stop;
  stop.progress = false;
  stop.stop_after_steps = 7;  // in the middle of epoch 2
  const TrainOutcome stopped = first->run(stop);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.state.step, 7);
  first.reset();
  auto second = workflows::resume_training(dir.file("split"));
  EXPECT_EQ(second->run({false}).state.step, 15);

  EXPECT_EQ(losses(read_text(dir.file("split/log.csv"))), losses(read_text(dir.file("whole/log.csv"))));
  const auto a = whole->model().named_parameters(), b = second->model().named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
}

// Ctrl-C (a real SIGINT) stops after the current step with a checkpoint the run resumes from.
TEST(Trainer, SigintStopsWithACheckpointThatResumes) {
  TempDir dir;
  Config config = testing::tiny_gt_config(testing::make_darcy(dir.path()));
  config.apply_override("train.epochs=400");  // far longer than the 300 ms before the signal
  auto trainer = workflows::start_training(config, dir.file("run"));
  std::thread ctrl_c([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::raise(SIGINT);
  });
  const TrainOutcome outcome = trainer->run({false});
  ctrl_c.join();
  ASSERT_TRUE(outcome.interrupted);
  EXPECT_GT(outcome.state.step, 0);
  trainer.lock = run::RunLock();  // as when the stopped process exits; its model stays to compare
  auto resumed = workflows::resume_training(dir.file("run"));
  // The run continues exactly where the signal stopped it: same step, epoch and batch.
  EXPECT_EQ(resumed->state().step, outcome.state.step);
  EXPECT_EQ(resumed->state().epoch, outcome.state.epoch);
  EXPECT_EQ(resumed->state().batch, outcome.state.batch);
  EXPECT_EQ(resumed->state().step, resumed->state().epoch * 5 + resumed->state().batch);
  EXPECT_EQ(resumed->data().split().train.size(), 22u);
  const auto a = trainer->model().named_parameters(), b = resumed->model().named_parameters();
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
}

TEST(Trainer, NanLossStopsWithAClearMessageAndKeepsTheLastCheckpoint) {
  TempDir dir;
  // beta = 0: u = 0 everywhere, so the relative L2 loss divides by a zero norm.
  Config config = testing::tiny_gt_config(testing::make_darcy(dir.path(), 24, 8, 0.0));
  config.apply_override("train.loss=rel_l2");
  auto trainer = workflows::start_training(config, dir.file("run"));
  expect_error([&] { trainer->run({false}); },
               {"training stopped", "rel_l2 loss is inf at epoch 1, step 1", "no epoch had finished"});
  EXPECT_FALSE(fs::exists(dir.file("run/checkpoints/last.pt")));
}

TEST(TrainerRejects, ConfigTyposAndWrongTypesBeforeWritingAnything) {
  TempDir dir;
  const std::string file = testing::make_darcy(dir.path());
  Config typo = testing::tiny_gt_config(file);
  typo.apply_override("train.epohcs=3");
  expect_error([&] { workflows::start_training(typo, dir.file("a")); }, {"unknown key 'train.epohcs'", "epochs"});
  Config wrong_type = testing::tiny_gt_config(file);
  wrong_type.apply_override("train.batch_size=many");
  expect_error([&] { workflows::start_training(wrong_type, dir.file("b")); }, {"train.batch_size", "an integer", "many"});
  Config bf16_on_cpu = testing::tiny_gt_config(file);
  bf16_on_cpu.apply_override("train.bf16=true");
  expect_error([&] { workflows::start_training(bf16_on_cpu, dir.file("d")); }, {"train.bf16", "needs a CUDA device", "runs on the cpu"});
  Config bad_choice = testing::tiny_gt_config(file);
  bad_choice.apply_override("train.loss=l1");
  expect_error([&] { workflows::start_training(bad_choice, dir.file("c")); }, {"train.loss", "mse, rel_l2", "'l1'"});
  EXPECT_FALSE(fs::exists(dir.file("a")));
  EXPECT_FALSE(fs::exists(dir.file("b")));
  EXPECT_FALSE(fs::exists(dir.file("c")));
}

TEST(TrainerRejects, DataOfTheWrongPdeOrResolution) {
  TempDir dir;
  const std::string file = testing::make_darcy(dir.path());
  Config swe_model = testing::tiny_gt_config(file);
  swe_model.apply_override("model.in_channels=10");
  expect_error([&] { workflows::start_training(swe_model, dir.file("a")); },
               {"model.in_channels", "takes 10 input channels", "darcy data", "gives 1"});
  Config resolution = testing::tiny_gt_config(file);
  resolution.apply_override("data.resolution=64");
  expect_error([&] { workflows::start_training(resolution, dir.file("b")); }, {"data.resolution", "64x64", "8x8"});
  Config missing = testing::tiny_gt_config(dir.file("nope.h5"));
  expect_error([&] { workflows::start_training(missing, dir.file("c")); }, {"nope.h5", "does not exist", "mno generate"});
  EXPECT_FALSE(fs::exists(dir.file("a")));
}

TEST(TrainerRejects, ACheckpointOfAnotherModel) {
  TempDir dir;
  const std::string file = testing::make_darcy(dir.path());
  Config mamba = testing::tiny_gt_config(file, "mamba"), galerkin = testing::tiny_gt_config(file, "galerkin");
  mamba.apply_override("train.epochs=1");
  galerkin.apply_override("train.epochs=1");
  workflows::start_training(mamba, dir.file("m"))->run({false});
  workflows::start_training(galerkin, dir.file("g"))->run({false});
  fs::copy_file(dir.file("m/checkpoints/last.pt"), dir.file("g/checkpoints/last.pt"), fs::copy_options::overwrite_existing);
  expect_error([&] { workflows::resume_training(dir.file("g")); }, {"last.pt", "checkpoint of a different model", "mixers.0"});
  expect_error([&] { workflows::evaluate_run(dir.file("g"), "last", "", false); }, {"checkpoint of a different model"});
}

TEST(TrainerRejects, AnUnwritableOrExistingRunDirectory) {
  TempDir dir;
  const std::string file = testing::make_darcy(dir.path());
  const Config config = testing::tiny_gt_config(file);
  { std::ofstream(dir.file("plain-file")) << "x"; }
  expect_error([&] { workflows::start_training(config, dir.file("plain-file/run")); }, {"cannot create run directory", "plain-file/run"});
  Config one = config;
  one.apply_override("train.epochs=1");
  workflows::start_training(one, dir.file("run"))->run({false});
  expect_error([&] { workflows::start_training(one, dir.file("run")); }, {"already holds a run", "mno train --resume"});
  expect_error([&] { workflows::resume_training(dir.file("elsewhere")); }, {"elsewhere", "does not exist"});
}

}  // namespace
}  // namespace mno::train
