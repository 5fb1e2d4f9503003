#pragma once
// `mno eval`: a run's model measured on the test split of its data (or on another file), with
// metrics.json, along_time.csv, plots/ and report.md written into the run directory.
#include <cstdint>
#include <string>

#include "mno/eval/evaluate.h"
#include "mno/eval/report.h"

namespace mno::workflows {

struct RunEvaluation {
  eval::Evaluation evaluation;
  eval::ReportFiles files;
  int64_t parameters = 0;
  double train_seconds = 0.0;      // training wall time of the checkpoint's state (no evaluation)
  int64_t steps = 0;               // optimiser steps done at the checkpoint
  int64_t steps_per_epoch = 0;     // what one process's epoch of this data and batch size takes
  eval::FieldFrame frame = {};     // the data's domain, for heatmaps of its fields
};

// Which samples of the data are evaluated: the test split (data.split, with data.test_samples),
// or every sample of the file, whatever their number (a user's own file is not a training file).
enum class EvalSamples { test, all };

// checkpoint "": the run's train.report_checkpoint; data_file "": the run's data.file; stride 0:
// the run's data.stride (another file or stride may be at another resolution: load_saved_run);
// out_dir "": the report goes into the run directory, else into out_dir (created when missing).
RunEvaluation evaluate_run(const std::string& run_dir, const std::string& checkpoint = "",
                           const std::string& data_file = "", bool progress = true, int64_t stride = 0,
                           const std::string& out_dir = "", EvalSamples samples = EvalSamples::test);

}  // namespace mno::workflows
