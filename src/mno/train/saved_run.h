#pragma once
// A finished (or stopped) run loaded from its directory alone, for `mno eval` and `mno predict`:
// its config, the model with a checkpoint's weights, its data with the fitted normalisers.
#include <memory>
#include <string>

#include "mno/core/config.h"
#include "mno/data/task_data.h"
#include "mno/eval/evaluate.h"
#include "mno/eval/report.h"
#include "mno/models/neural_operator.h"
#include "mno/train/checkpoint.h"
#include "mno/train/run_config.h"
#include "mno/train/run_dir.h"

namespace mno::train {

struct SavedRun {
  RunPaths paths;
  RunConfig run;
  std::string checkpoint;  // "last" or "best"
  models::NeuralOperator model;
  std::unique_ptr<data::TaskData> data;
  TrainState state;
};

// checkpoint "": the run's train.report_checkpoint. data_file "": the run's data.file.
// device "": the run's train.device when available here, else cpu.
SavedRun load_saved_run(const std::string& run_dir, const std::string& checkpoint = "",
                        const std::string& data_file = "", const std::string& device = "");

struct RunEvaluation {
  eval::Evaluation evaluation;
  eval::ReportFiles files;
  int64_t parameters = 0;
  double train_seconds = 0.0;
};

// `mno eval`: evaluates the run's model on the test split of its data (or of data_file) and
// writes metrics.json, along_time.csv, plots/ and report.md into the run directory.
RunEvaluation evaluate_run(const std::string& run_dir, const std::string& checkpoint = "",
                           const std::string& data_file = "", bool progress = true);

// `mno predict`: predictions for every sample of `input`, written in `input`'s PDEBench layout
// at the model's resolution (time-dependent: the given frames copied, the rest predicted).
void predict_file(const std::string& run_dir, const std::string& input, const std::string& out,
                  const std::string& checkpoint = "", bool progress = true);

}  // namespace mno::train
