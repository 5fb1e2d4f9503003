#pragma once
// `mno train` (DESIGN.md §1, docs/training.md): trains one model on one data set into a run
// directory, evaluating on the test split every `train.eval_every` epochs, checkpointing every
// epoch, and resuming exactly: on CPU a run stopped and resumed gives the same losses and
// weights, bit for bit, as one never stopped (tests/train/test_resume.cpp).
//
// A NaN/Inf loss stops the run with an error before the step is taken, so the last checkpoint
// holds the last good weights. Ctrl-C stops after the current step with a checkpoint.
#include <memory>
#include <string>
#include <vector>

#include "mno/core/config.h"
#include "mno/data/task_data.h"
#include "mno/eval/evaluate.h"
#include "mno/models/neural_operator.h"
#include "mno/train/checkpoint.h"
#include "mno/train/optimizer.h"
#include "mno/train/run_config.h"
#include "mno/train/run_dir.h"
#include "mno/train/schedule.h"

namespace mno::train {

struct TrainOptions {
  bool progress = true;      // progress bar on a terminal; one line per epoch always
  int64_t stop_after_steps = 0;  // > 0: stop (with a checkpoint, as Ctrl-C does) after this many steps in total
};

struct TrainOutcome {
  RunPaths paths;
  TrainState state;
  bool interrupted = false;  // stopped by Ctrl-C or stop_after_steps; resume to continue
};

class Trainer {
 public:
  // A new run: validates everything, then creates `run_dir` (default runs/<name>).
  static std::unique_ptr<Trainer> start(const Config& config, const std::string& run_dir);
  // Continues runs/<name> from checkpoints/last.pt.
  static std::unique_ptr<Trainer> resume(const std::string& run_dir);

  TrainOutcome run(const TrainOptions& options);

  models::NeuralOperatorImpl& model() { return *model_; }
  const data::TaskData& data() const { return *data_; }
  const RunConfig& run_config() const { return run_; }
  const RunPaths& paths() const { return paths_; }

 private:
  Trainer(Config config, const std::string& default_name);
  bool train_epoch(data::BatchLoader& loader, const TrainOptions& options, double& seconds);
  void end_epoch(double epoch_seconds, int64_t epoch_samples);
  void save(const std::string& which);

  Config config_;
  RunConfig run_;
  RunPaths paths_;
  torch::Device device_{torch::kCPU};
  models::NeuralOperator model_;
  std::unique_ptr<data::TaskData> data_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  int64_t steps_per_epoch_ = 0, total_steps_ = 0, epochs_ = 0;
  TrainState state_;
};

// Columns of log.csv.
std::string log_header();

}  // namespace mno::train
