// Training on a GPU reads each step's loss back in batches of 25 (train/trainer.cpp), not at
// every step. These tests check that every step's loss still counts exactly once in the epoch's
// mean, and that a non-finite loss is still reported with the step it was taken at. Skipped where
// no CUDA device is visible.
#include <sstream>

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "mno/workflows/training.h"
#include "mno/train/trainer.h"
#include "support/testing.h"
#include "train/train_test_support.h"

namespace mno::train {
namespace {

using data::testing::TempDir;
using mno::testing::expect_error;
using mno::testing::read_text;

// The train_loss of the last epoch in a log.csv.
double last_train_loss(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, last;
  std::getline(in, line);  // header
  while (std::getline(in, line)) last = line;
  std::vector<std::string> cells;
  std::stringstream r(last);
  for (std::string c; std::getline(r, c, ',');) cells.push_back(c);
  return std::stod(cells.at(3));
}

// One epoch of 58 steps (64 samples, batch 1: two full read-backs of 25 and a last one of 8) with
// a learning rate of 1e-12, so the model is the same at every step on both devices and the epoch's
// mean loss is the mean over the training split, whatever the trajectory. Dropping or counting
// twice any one step moves that mean by about a fiftieth of a sample's deviation from it.
double epoch_loss_on(const std::string& device, const std::string& data_file, const std::string& run_dir) {
  Config config = testing::tiny_gt_config(data_file);
  for (const char* o : {"train.epochs=1", "train.batch_size=1", "train.optimizer.lr=1.0e-12",
                        "train.schedule.max_lr=1.0e-12"})
    config.apply_override(o);
  config.apply_override("train.device=" + device);
  auto trainer = workflows::start_training(config, run_dir);
  const TrainOutcome outcome = trainer->run({false});
  EXPECT_EQ(outcome.state.step, 58);
  return last_train_loss(read_text(run_dir + "/log.csv"));
}

TEST(TrainerCuda, DeferredLossReadBackCountsEveryStepOnce) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible, or a CPU-only LibTorch): runs on the GPU machine";
  TempDir dir;
  const std::string data = testing::make_darcy(dir.path(), 64, 8);
  const double cpu = epoch_loss_on("cpu", data, dir.file("cpu"));
  const double cuda = epoch_loss_on("cuda", data, dir.file("cuda"));
  EXPECT_NEAR(cuda, cpu, 1e-4 * cpu) << "the CUDA run's epoch loss (read back every 25 steps) differs from the "
                                        "CPU run's (read back every step)";
}

TEST(TrainerCuda, NonFiniteLossNamesItsStepThoughReadBackIsDeferred) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "needs a CUDA device (none visible, or a CPU-only LibTorch): runs on the GPU machine";
  TempDir dir;
  // beta = 0: u = 0 everywhere, so the relative L2 loss divides by a zero norm at the first step;
  // the read-back that sees it comes 25 steps later.
  Config config = testing::tiny_gt_config(testing::make_darcy(dir.path(), 64, 8, 0.0));
  for (const char* o : {"train.loss=rel_l2", "train.device=cuda", "train.batch_size=1", "train.clip_grad_norm=0"})
    config.apply_override(o);
  auto trainer = workflows::start_training(config, dir.file("run"));
  expect_error([&] { trainer->run({false}); },
               {"training stopped", "rel_l2 loss is inf at epoch 1, step 1", "no epoch had finished"});
}

}  // namespace
}  // namespace mno::train
