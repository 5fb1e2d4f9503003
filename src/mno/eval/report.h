#pragma once
// The report of one evaluated run (docs/training.md): metrics.json (both metric modes),
// along_time.csv (every metric per frame), PNG plots — input / truth / prediction / error
// heatmaps of the first test samples, loss and learning-rate curves from log.csv, error against
// time, radially averaged energy spectra of truth and prediction — and report.md linking them.
#include <string>

#include "mno/eval/evaluate.h"
#include "mno/eval/heatmap.h"

namespace mno::eval {

// Where the report's files go (a run directory decides: run/run_paths.h).
struct ReportPaths {
  std::string metrics_json, along_time_csv, report_md;
  std::string plots_dir;  // created when missing; report.md links the plots relative to itself
};

struct ReportInputs {
  ReportPaths paths;
  std::string title;         // "darcy_gt_mamba"
  std::string model_line;    // what was evaluated: model, parameters, checkpoint
  std::string data_line;     // which data
  std::string log_csv;       // the run's log.csv ("" when there is none)
  double train_seconds = 0;  // total training time
  // Written into metrics.json when > 0, so runs can be compared from their files alone
  // (`mno analyze compare`): trainable parameters, optimiser steps done, steps in one epoch.
  int64_t parameters = 0, steps = 0, steps_per_epoch = 0;
  FieldFrame frame;  // the data's domain and orientation, as `mno data plot` draws it (data_plot.h)
};

struct ReportFiles {
  std::string metrics_json, along_time_csv, report_md;
  std::vector<std::string> plots;
};

// One heatmap panel of a field [H, W] (any floating dtype, any device), drawn in `frame`; for a
// scattered frame, `points` [H·W, 2] are where its values sit (drawn as dots).
Heatmap field_heatmap(const std::string& title, const torch::Tensor& field, const FieldFrame& frame = {},
                      const torch::Tensor& points = {});

// The panels of one sample's picture: the input on its own colour scale, truth and prediction on
// one shared scale, and "error = prediction − truth" on a scale symmetric about 0.
std::vector<Heatmap> sample_panels(const Heatmap& input, const torch::Tensor& truth, const torch::Tensor& prediction,
                                   const FieldFrame& frame,
                                   const torch::Tensor& points = {});
// What report.md (and compare.md) says under a picture of heatmaps: the colour scale of each group
// of panels that share one, and the axes' extent (of the first panel).
std::string heatmaps_note(const std::vector<Heatmap>& panels);

// Writes every file atomically; returns their paths.
ReportFiles write_report(const ReportInputs& in, const Evaluation& evaluation);

// The headline row of a comparison table: | name | params | rmse | nrmse | rl2 | ... (standard mode).
std::string metrics_table_header();
std::string metrics_table_row(const std::string& name, int64_t parameters, const Evaluation& e, double train_seconds);

}  // namespace mno::eval
