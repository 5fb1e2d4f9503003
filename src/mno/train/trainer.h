#pragma once
// The training loop (docs/training.md): trains one model on one data set,
// evaluating on the test split every `train.eval_every` epochs, checkpointing every epoch, and
// resuming exactly: on CPU a run stopped and resumed gives the same losses and weights, bit for
// bit, as one never stopped (tests/train/test_trainer.cpp). Where its files live is decided by
// the run directory (run/run_paths.h), which hands the trainer their paths.
//
// A NaN/Inf loss stops the run with an error before the step is taken, so the last checkpoint
// holds the last good weights. Ctrl-C stops after the current step with a checkpoint.
#include <memory>
#include <string>
#include <vector>

#include "mno/data/task_data.h"
#include "mno/eval/evaluate.h"
#include "mno/models/neural_operator.h"
#include "mno/train/checkpoint.h"
#include "mno/train/optimizer.h"
#include "mno/train/run_config.h"
#include "mno/train/schedule.h"

namespace mno::train {

class Collectives;
class GradientReducer;

struct TrainOptions {
  bool progress = true;      // progress bar on a terminal; one line per epoch always
  int64_t stop_after_steps = 0;  // > 0: stop (with a checkpoint, as Ctrl-C does) after this many more steps
};

// The files a trainer writes.
struct TrainFiles {
  std::string run_dir;  // named in messages
  std::string log_csv, last_checkpoint, best_checkpoint, normalisers_dir;
};

struct TrainOutcome {
  TrainState state;
  bool interrupted = false;  // stopped by Ctrl-C or stop_after_steps; resume to continue
};

// What a Trainer is built from: the run's settings, already read and checked (run/experiment.h
// reads them from the config, once), and its model, already built.
struct TrainerSetup {
  TrainConfig train;
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
  data::DataConfig data;
  models::NeuralOperator model;  // built after seeding with train.seed, so its weights follow the seed
  std::string config_yaml;       // the resolved config, saved in every checkpoint
  std::string source;            // where the config came from, named in errors
};

class Trainer {
 public:
  // Builds and checks everything `setup` describes (data, optimiser, schedule) around its model on
  // `device`, writing nothing: a bad setting is an error before any file exists.
  // With `collectives` (train/distributed.h) this process is one rank of a data-parallel job:
  // it trains on its shard of every batch, gradients and losses are summed over the ranks, and
  // only rank 0 evaluates, logs and writes files.
  // `use` other than split (mno import with no normalisers to fit): the data is checked against
  // the model but no split is made, and run() is refused; --resume later trains on the split.
  Trainer(TrainerSetup setup, torch::Device device, TrainFiles files,
          std::shared_ptr<Collectives> collectives = nullptr, data::DataUse use = data::DataUse::split);
  ~Trainer();

  // A new run: fits the normalisers on the training split, writes them and the log header.
  void begin();
  // A stopped run: loads its normalisers and its last checkpoint (model, optimiser, position);
  // without a checkpoint yet, it starts from the first step.
  void restore();
  // Writes checkpoints/last.pt as the run stands: for a new run whose weights were set from
  // outside (mno import), so that --resume, eval and predict start from them.
  void save_last() { save(files_.last_checkpoint); }

  TrainOutcome run(const TrainOptions& options);

  models::NeuralOperatorImpl& model() { return *model_; }
  const data::TaskData& data() const { return *data_; }
  const TrainConfig& train_config() const { return train_; }
  const TrainFiles& files() const { return files_; }
  const TrainState& state() const { return state_; }

 private:
  bool train_epoch(data::BatchLoader& loader, const TrainOptions& options, double& seconds);
  torch::Tensor batch_loss(const data::Batch& batch);
  // One rank's part of a data-parallel step: returns the global loss and whether any rank asked to stop.
  std::pair<double, bool> distributed_backward(const data::Batch& batch);
  bool is_main() const;
  void end_epoch(double epoch_seconds, int64_t epoch_samples);
  void save(const std::string& checkpoint_path);

  TrainConfig train_;
  data::DataConfig data_config_;
  std::string config_yaml_;
  TrainFiles files_;
  torch::Device device_;
  models::NeuralOperator model_;
  std::unique_ptr<data::TaskData> data_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  int64_t steps_per_epoch_ = 0, total_steps_ = 0, epochs_ = 0;
  TrainState state_;
  std::shared_ptr<Collectives> collectives_;
  std::unique_ptr<GradientReducer> reducer_;
};

// Columns of log.csv.
std::string log_header();

}  // namespace mno::train
