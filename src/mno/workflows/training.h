#pragma once
// `mno train`: a trainer set up in a run directory — a new one made from a config, or a stopped
// one continued from its directory alone — and the whole command (train, then evaluate).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mno/core/config.h"
#include "mno/workflows/evaluate_run.h"
#include "mno/run/experiment.h"
#include "mno/run/run_lock.h"
#include "mno/run/run_paths.h"
#include "mno/train/distributed.h"
#include "mno/train/trainer.h"

namespace mno::workflows {

class ReplacedRun;

// A trainer with its run directory's lock, held for as long as it lives.
struct TrainingRun {
  // The run that --overwrite replaces, kept aside until the new run has written its first
  // checkpoint: released (after the trainer and the lock) it is deleted if the new run has a
  // checkpoint, else put back. Declared first so that it is released last.
  std::shared_ptr<ReplacedRun> replaced;
  run::RunLock lock;
  std::unique_ptr<train::Trainer> trainer;

  train::Trainer* operator->() const { return trainer.get(); }
  void reset() {
    trainer.reset();
    lock = run::RunLock();
    replaced.reset();
  }
};

// A new run in `dir`: checks the whole config first (nothing is written for a bad one), then
// creates the directory, writes config.yaml — the config with every default filled in, data.file
// made absolute beside the path as typed (data.file_as_typed) — and the
// normalisers fitted on the training split. An existing run in `dir` is refused unless
// `overwrite`; it is then moved aside and deleted only once the new run has written its first
// checkpoint (a new run that fails before that puts it back). A `dir` that holds the data file,
// or is a file, is refused before any work.
// With `collectives`, this process is rank 0 of a data-parallel job (train/distributed.h).
// `use` other than split (mno import with no normalisers to fit): no training split is made.
TrainingRun start_training(const Config& config, const std::string& dir, bool overwrite = false,
                           std::shared_ptr<train::Collectives> collectives = nullptr,
                           data::DataUse use = data::DataUse::split);
// A new run's config read once: data.file made absolute first; `default_name` is the run's name when
// the config has none (the name of the run's directory).
run::Experiment read_new_experiment(const Config& config, const std::string& default_name);
// start_training for a config already read (read_new_experiment).
TrainingRun start_training(const run::Experiment& experiment, const std::string& dir, bool overwrite = false,
                           std::shared_ptr<train::Collectives> collectives = nullptr,
                           data::DataUse use = data::DataUse::split);
// Continues the run in `dir` from checkpoints/last.pt with the run's own config.yaml. `overrides`:
// data.file=FILE alone (the run's data found elsewhere; saved into config.yaml once the run has
// taken it); any other key is refused, naming it.
TrainingRun resume_training(const std::string& dir, std::shared_ptr<train::Collectives> collectives = nullptr,
                            const std::vector<std::string>& overrides = {});
// Another rank (not 0) of a data-parallel job joins the run rank 0 has set up in `dir`: same
// config, normalisers and checkpoint; it holds no lock and writes nothing.
TrainingRun join_training(const std::string& dir, std::shared_ptr<train::Collectives> collectives);

struct TrainRequest {
  std::string config_path;             // a new run from this config ...
  std::vector<std::string> overrides;  // ... with these key=value overrides (resume: data.file=FILE alone)
  std::string out;                     // its directory ("" = <runs_dir>/<name>)
  std::string runs_dir = "runs";
  bool overwrite = false;              // replace an existing run at `out`
  std::string resume;                  // or: continue this run directory
  bool evaluate = true;                // evaluate and report when training finishes
  train::TrainOptions options;
};

struct TrainResult {
  std::string run_dir;
  int rank = 0;  // this process's rank in a data-parallel job (0 alone reports)
  train::TrainOutcome outcome;
  std::optional<RunEvaluation> evaluation;  // when finished and request.evaluate
};

// One process, or — when the environment names several (RANK, WORLD_SIZE, ...; see
// train/distributed.h) — this process's rank of a data-parallel job; rank 0 evaluates.
TrainResult train_run(const TrainRequest& request);

}  // namespace mno::workflows
