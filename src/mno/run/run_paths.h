#pragma once
// A run directory (docs/architecture.md), the one place that knows the file names inside a run. It is
// self-describing, so that a run can be resumed, evaluated or used for prediction from it alone.
//   config.yaml              the fully resolved config the run was started with
//   log.csv                  one row per epoch: epoch, step, lr, train loss, test metrics, time
//   checkpoints/last.pt      written atomically at the end of every epoch and on Ctrl-C
//   checkpoints/best.pt      the epoch with the lowest test metric (train.select_metric)
//   normalisers/*.pt         fitted on the training split
//   metrics.json, along_time.csv, plots/*.png, report.md   the final evaluation (mno eval)
#include <string>

#include "mno/eval/report.h"
#include "mno/train/trainer.h"

namespace mno::run {

struct RunPaths {
  std::string dir;
  // The directory without "." parts or a trailing '/' ("runs/./x/" -> "runs/x"), and its own
  // name, the run's default name ("x").
  std::string normal_dir() const;
  std::string name() const;
  std::string config() const { return dir + "/config.yaml"; }
  std::string log() const { return dir + "/log.csv"; }
  std::string checkpoints() const { return dir + "/checkpoints"; }
  std::string checkpoint(const std::string& which) const { return checkpoints() + "/" + which + ".pt"; }
  std::string normalisers() const { return dir + "/normalisers"; }
  std::string plots() const { return dir + "/plots"; }
  std::string analysis() const { return dir + "/analysis"; }  // `mno analyze ssm`
  std::string metrics() const { return dir + "/metrics.json"; }
  std::string along_time() const { return dir + "/along_time.csv"; }
  std::string report() const { return dir + "/report.md"; }
  std::string lock() const { return dir + "/.lock"; }  // run/run_lock.h

  // What the trainer writes, and where the evaluation report goes.
  train::TrainFiles train_files() const;
  eval::ReportPaths report_paths() const;
};

// Creates a new run directory with its sub-directories. An existing run (one with a config.yaml)
// is an error pointing at --resume; an unwritable place is an error naming the path and the cause.
RunPaths create_run_dir(const std::string& dir);
// An existing run directory: it must hold config.yaml (and `checkpoint` when not empty).
RunPaths open_run_dir(const std::string& dir, const std::string& checkpoint = "");

// Removes the temporary files (core/atomic_file.h) a killed process left in the run. Only the
// holder of the run's lock may call it: then no other process is writing them.
void remove_stale_temporaries(const RunPaths& run);

}  // namespace mno::run
