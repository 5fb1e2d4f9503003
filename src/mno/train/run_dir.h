#pragma once
// A run directory (DESIGN.md §1): self-describing, so that a run can be resumed, evaluated or
// used for prediction from it alone.
//   config.yaml              the config the run was started with (overrides applied)
//   log.csv                  one row per epoch: epoch, step, lr, train loss, test metrics, time
//   checkpoints/last.pt      written atomically at the end of every epoch and on Ctrl-C
//   checkpoints/best.pt      the epoch with the lowest test metric (train.select_metric)
//   normalisers/*.pt         fitted on the training split
//   metrics.json, along_time.csv, plots/*.png, report.md   the final evaluation (mno eval)
#include <string>

namespace mno::train {

struct RunPaths {
  std::string dir;
  std::string config() const { return dir + "/config.yaml"; }
  std::string log() const { return dir + "/log.csv"; }
  std::string checkpoints() const { return dir + "/checkpoints"; }
  std::string checkpoint(const std::string& which) const { return checkpoints() + "/" + which + ".pt"; }
  std::string normalisers() const { return dir + "/normalisers"; }
  std::string plots() const { return dir + "/plots"; }
  std::string metrics() const { return dir + "/metrics.json"; }
  std::string report() const { return dir + "/report.md"; }
};

// Creates a new run directory with its sub-directories. An existing run (one with a config.yaml)
// is an error pointing at --resume; an unwritable place is an error naming the path and the cause.
RunPaths create_run_dir(const std::string& dir);
// An existing run directory: it must hold config.yaml (and `checkpoint` when not empty).
RunPaths open_run_dir(const std::string& dir, const std::string& checkpoint = "");

}  // namespace mno::train
