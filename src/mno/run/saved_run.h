#pragma once
// A finished (or stopped) run loaded from its directory alone, for `mno eval` and `mno predict`:
// its config, the model with a checkpoint's weights, its data with the fitted normalisers.
#include <memory>
#include <string>

#include "mno/data/task_data.h"
#include "mno/models/neural_operator.h"
#include "mno/run/experiment.h"
#include "mno/run/run_paths.h"
#include "mno/train/checkpoint.h"

namespace mno::run {

struct SavedRun {
  RunPaths paths;
  Experiment run;  // the run's config.yaml, read
  std::string checkpoint;  // "last" or "best"
  models::NeuralOperator model;
  std::unique_ptr<data::TaskData> data;
  train::TrainState state;
};

// checkpoint "": the run's train.report_checkpoint. data_file "": the run's data.file.
// device "": auto (resolve_device), whatever device the run was trained on. stride 0: the run's
// data.stride. Another file or stride may hold another resolution than the run was trained at
// (zero-shot evaluation): data.resolution is then not enforced, and the model and the
// normalisers decide whether they can take the new grid (each refuses with the reason).
// `use`: which samples of the data the caller needs (data::DataUse; predict: inputs only).
// The run's own data.file is absolute in runs made since it was stored so (any directory
// works); an older run's relative one is taken from the current directory, and when it is not
// there the error says to give the file (--data).
SavedRun load_saved_run(const std::string& run_dir, const std::string& checkpoint = "",
                        const std::string& data_file = "", const std::string& device = "", int64_t stride = 0,
                        data::DataUse use = data::DataUse::split);

// Throws when the run's own data file is gone, saying where it came from and how to give another
// (--data, or data.file= on resume).
void check_run_data_file(const std::string& run_dir, const data::DataConfig& data);


}  // namespace mno::run
