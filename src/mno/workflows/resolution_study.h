#pragma once
// `mno analyze resolution` (docs/scaling.md, docs/irregular.md): trained runs evaluated zero-shot
// at several resolutions — every S-th point of a grid file for each stride S, and/or several files
// (grids of other sides, or point clouds of other point counts, docs/irregular.md) — as a table of
// nRMSE and relative L2 per run and evaluation set (resolution.md, resolution.csv) and a log-x PNG of
// nRMSE against the points per side (grids) or the points (point clouds) (resolution.png). Each
// evaluation's own report goes into OUT/<run>/<set>/ (set: stride<S>, <file stem>-stride<S> when
// several files are given, points<N> for a point cloud). A set a run's model or normalisers cannot
// take is a cell that says why (the first line of the error), not a failure of the whole study.
#include <cstdint>
#include <string>
#include <vector>

namespace mno::workflows {

struct ResolutionCell {
  std::string run;          // the run directory as given
  std::string file;         // the data file evaluated on
  bool point_cloud = false; // then side_x = the points, side_y = 1, stride = 1
  int64_t stride = 0, side_x = 0, side_y = 0;
  double nrmse = 0, rl2 = 0;
  std::string refused;      // non-empty: the reason this grid was not evaluated
};

struct ResolutionStudy {
  std::vector<ResolutionCell> cells;  // run-major, then the files and, per file, the strides in the order given
  std::string markdown;               // the table, as resolution.md holds it
  std::vector<std::string> written;   // the files written
};

// runs: run directories; data_files: the PDE files all of them are evaluated on (each file's test
// split: files written with the same seed and sample count hold the same test samples at every
// resolution or point count); strides: each >= 1 and dividing every grid file's grid (a point cloud
// takes stride 1 alone). Throws mno::Error for no runs, no files, no strides, a bad stride, grid
// files mixed with point clouds, or a missing file, before evaluating anything.
ResolutionStudy analyze_resolution(const std::vector<std::string>& runs, const std::vector<std::string>& data_files,
                                   const std::vector<int64_t>& strides, const std::string& out_dir);

}  // namespace mno::workflows
