#pragma once
// `mno bench scaling`: how time and memory grow with the number of points L = side² for each
// host × mixer (docs/scaling.md). Every config is measured at every side with `mno bench model`'s
// measurement (forward, AdamW step, peak memory); a config that runs out of memory at the batch
// asked for is retried at half the batch down to 1, and where even batch 1 does not fit the cell
// says so. Per config, the log-log slopes of step time and peak memory against L are fitted over
// the largest sides measured (the small sides of a GPU are launch-bound, not L-bound). A side
// predicted to need more than max_step_seconds per step is skipped and says so.
#include <string>
#include <vector>

#include "bench/machine.h"

namespace mno::bench {

struct ScalingBenchOptions {
  std::vector<std::string> configs;  // empty: GT and GNOT with mamba / galerkin (linear) / softmax, and FNO
  std::vector<int64_t> sides;        // empty: 32, 64, 128, 256 on CUDA; 16, 32, 64 on the CPU
  std::string device = "cpu";
  int64_t batch = 8;
  int repeats = 3;
  // A side whose AdamW step is predicted to take longer than this (from the previous side, as if
  // the cost were quadratic in L: the worst case of the mixers measured) is skipped, not run.
  double max_step_seconds = 10;
  std::string out_dir;  // "": no files; else scaling.csv, scaling_time.png, scaling_memory.png
  bool quick = false;   // GT-Mamba, GT-Galerkin and FNO at sides 8 and 16, batch 1, one run, no skipping: a smoke run
};

struct ScalingCell {
  std::string config, model;
  int64_t side = 0, batch = 0;  // batch: the one measured (the asked batch halved until it fitted)
  bool out_of_memory = false;   // true: not even batch 1 fitted; the times are then 0
  double skipped_predicted_s = 0;  // > 0: not run, its step was predicted to take this long
  double forward_ms = 0, train_step_ms = 0;
  int64_t peak_bytes = -1;
};

struct ScalingFit {
  std::string config, model;
  double time_slope = 0, memory_slope = 0;  // d log(per-sample value) / d log L; NaN with < 2 points
  int points = 0;                           // how many sides the fit used
};

struct ScalingBenchReport {
  ScalingBenchOptions options;  // as run: defaults and --quick filled in
  std::vector<ScalingCell> cells;
  std::vector<ScalingFit> fits;
};

// The least-squares slope of log y against log x over the last `points` pairs with y > 0 (NaN when
// fewer than two remain). Used per config on per-sample time and memory.
double log_log_slope(const std::vector<double>& x, const std::vector<double>& y, size_t points);

std::vector<std::string> default_scaling_configs(const std::string& source_dir);
ScalingBenchReport run_scaling_bench(const ScalingBenchOptions& options);
std::string scaling_bench_markdown(const ScalingBenchReport& report, const MachineInfo& machine, const std::string& command);
// scaling.csv and the two log-log PNGs (per-sample step time and peak memory vs L) in out_dir.
void write_scaling_files(const ScalingBenchReport& report, const std::string& out_dir);

}  // namespace mno::bench
