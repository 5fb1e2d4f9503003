#pragma once
// `mno analyze resolution` (docs/scaling.md): trained runs evaluated zero-shot at several
// resolutions of one PDE file — every S-th point for each stride S — as a table of nRMSE and
// relative L2 per run and resolution (resolution.md, resolution.csv) and a log-x PNG of nRMSE
// against the evaluation grid (resolution.png). Each evaluation's own report goes into
// OUT/<run>/stride<S>/. A grid a run's model or normalisers cannot take is a cell that says why
// (the first line of the error), not a failure of the whole study.
#include <cstdint>
#include <string>
#include <vector>

namespace mno::workflows {

struct ResolutionCell {
  std::string run;          // the run directory as given
  int64_t stride = 0, side_x = 0, side_y = 0;
  double nrmse = 0, rl2 = 0;
  std::string refused;      // non-empty: the reason this grid was not evaluated
};

struct ResolutionStudy {
  std::vector<ResolutionCell> cells;  // run-major, strides in the order given
  std::string markdown;               // the table, as resolution.md holds it
  std::vector<std::string> written;   // the files written
};

// runs: run directories; data_file: the PDE file all of them are evaluated on (its test split);
// strides: each >= 1 and dividing the file's grid. Throws mno::Error for no runs, no strides, a
// bad stride or a missing file before evaluating anything.
ResolutionStudy analyze_resolution(const std::vector<std::string>& runs, const std::string& data_file,
                                   const std::vector<int64_t>& strides, const std::string& out_dir);

}  // namespace mno::workflows
