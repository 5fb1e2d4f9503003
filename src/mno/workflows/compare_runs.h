#pragma once
// `mno analyze compare` (docs/results.md): trained runs of one dataset side by side, from the files
// `mno train` / `mno eval` left in each run (metrics.json, log.csv, along_time.csv), so runs made on
// different machines or days can be compared without their checkpoints or data:
//   compare.md / compare.csv  one row per run: parameters, optimiser steps, training ms per step and
//                             s per epoch (training wall time only), the standard-mode RMSE, nRMSE,
//                             RL2, bRMSE, fRMSE low / mid / high and the paper-mode nRMSE;
//   along_time.png            standard nRMSE of every run against the frame (time-dependent data only);
//   heatmaps.png              one test sample at its last frame, first channel: the truth, then each
//                             chosen run's prediction, then each one's error. Only these runs are
//                             evaluated again, from their checkpoints (reports into OUT/<label>/).
// A run without metrics.json is a row that says why; heatmaps that cannot be drawn (no checkpoint,
// too few kept samples, different test samples) are skipped with a warning saying why.
#include <cstdint>
#include <string>
#include <vector>

#include "mno/eval/metrics.h"

namespace mno::workflows {

struct CompareOptions {
  std::vector<std::string> runs;     // run directories, in table order
  std::vector<std::string> labels;   // one per run, or empty: each run's directory name
  std::vector<std::string> heatmap;  // labels of the runs drawn in heatmaps.png; empty: the first two
  int64_t sample = 0;                // the test sample drawn (< the runs' train.plot_samples)
  std::string out_dir = "compare";
  bool group = false;                // runs that share a label are repeats (seeds) of one setting: one row
};

struct ComparedRun {
  std::string label, run;
  int64_t parameters = 0, steps = 0;
  double ms_per_step = 0, seconds_per_epoch = 0;
  eval::Metrics standard, paper;
  std::vector<double> nrmse_along_time;  // standard nRMSE per frame (the given frames' is 0)
  std::string refused;                   // non-empty: why this run has no metrics
  std::string dataset;                   // "FILE's name (PDE)" it was evaluated on; "" when unknown
  // A grouped row (CompareOptions::group): the mean of `runs` runs' numbers, and half the range
  // (max − min) / 2 of their standard nRMSE and RL2.
  int64_t runs = 1;
  double nrmse_half_range = 0, rl2_half_range = 0;
};

struct Comparison {
  std::vector<ComparedRun> rows;
  std::string markdown;               // the table, as compare.md holds it
  std::vector<std::string> written;   // the files written
};

// Throws before evaluating or writing anything: mno::UsageError for labels that are not one per run
// or repeat (without group), a heatmap label that names no run, a negative sample; mno::Error for no runs, a
// missing run directory, runs evaluated on different datasets (another PDE or data file).
Comparison compare_runs(const CompareOptions& options);

}  // namespace mno::workflows
