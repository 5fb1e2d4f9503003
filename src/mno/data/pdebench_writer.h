#pragma once
// Writes PDEBench-layout files sample by sample, so that a generator never holds a whole data
// set in memory (1000 SW2D samples are 6.6 GB). Names, shapes, dtypes and attributes follow
// PDEBench (pdebench_layout.h). The writer writes wherever it is told: callers pass a temporary
// path and rename it when complete (write_atomically), so no half-written file is ever left
// under the user's name.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mno/data/array.h"
#include "mno/data/hdf5_file.h"
#include "mno/data/pdebench_layout.h"

namespace mno::data {

struct LayoutSpec {
  Pde pde = Pde::darcy;
  size_t samples = 0;
  size_t nx = 0, ny = 0;
  size_t frames = 1;            // time-dependent layouts
  std::vector<float> x, y, t;   // cell centres along axes 1 and 2; frame times
  std::optional<double> beta;   // Darcy: stored as the root attribute "beta" (float64)
  // Darcy point clouds (pdebench_layout.h): nx points, ny = 1, x and y empty, and positions:
  enum class Points { none, shared, per_sample } points = Points::none;
  std::vector<float> positions;  // shared: [nx·2] (x0, y0, x1, y1, …); per_sample: written by write_positions
};

class PdebenchWriter {
 public:
  PdebenchWriter(const std::string& path, LayoutSpec spec);

  size_t channels() const;
  // Darcy sample i: coefficient a and solution u, each [nx*ny] row-major (x, then y).
  void write_darcy(size_t i, const std::vector<float>& a, const std::vector<float>& u);
  // Point cloud with per-sample positions: sample i's [nx·2] positions.
  void write_positions(size_t i, const std::vector<float>& positions);
  // Time-dependent sample i: [frames, nx, ny, channels]. `config` (YAML: how the sample was
  // made) goes into the group's attribute "config", where PDEBench keeps its run config.
  void write_frames(size_t i, const FloatArray& frames, const std::string& config = "");
  // Completes the file; a write that failed late (disk full) is an error here, not a broken file.
  void finish() { file_.close(); }

 private:
  Hdf5File file_;
  LayoutSpec spec_;
};

}  // namespace mno::data
