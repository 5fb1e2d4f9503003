#pragma once
// Streaming reads of PDEBench files: a range of samples, optionally a strided sub-grid
// (128 → 64 with stride 2) and a range of frames, read as HDF5 hyperslabs so that only the
// requested values leave the disk (the SW2D file is 6.6 GB). Every value read is checked to be
// finite: a NaN in training data is reported with its file, dataset and sample, not discovered
// as a NaN loss.
#include <memory>
#include <string>

#include "mno/data/array.h"
#include "mno/data/hdf5_file.h"
#include "mno/data/pdebench_layout.h"

namespace mno::data {

// Which part of each sample to read.
struct Selection {
  size_t first_sample = 0;
  size_t samples = 1;
  size_t stride = 1;         // spatial sub-sampling, must divide both grid sizes
  size_t first_frame = 0;    // time-dependent layouts only
  size_t frames = 0;         // 0 = through the last frame
};

struct DarcySamples {
  FloatArray coefficient;  // a  [n, X/s, Y/s]
  FloatArray solution;     // u  [n, X/s, Y/s]
};

class PdebenchReader {
 public:
  explicit PdebenchReader(const std::string& path);

  const PdebenchInfo& info() const { return info_; }
  const std::string& path() const { return info_.path; }

  DarcySamples read_darcy(const Selection& selection) const;
  // The coefficients a [n, X/s, Y/s] alone: all a prediction reads of a Darcy file.
  FloatArray read_darcy_coefficient(const Selection& selection) const;
  // Whether a Darcy file holds its solutions ('tensor'); a file of inputs alone does not.
  bool has_darcy_solution() const;
  // [n, frames, X/s, Y/s, C] of a shallow-water or diffusion-reaction file.
  FloatArray read_frames(const Selection& selection) const;
  // Point clouds: the positions of samples [first, first + count), [count, N, 2] — or [1, N, 2]
  // when every sample shares them. Checked finite and inside the unit square.
  FloatArray read_positions(size_t first_sample, size_t count) const;
  // Cell-centre coordinates along axis 1 (x) and 2 (y), strided like the fields; frame times.
  // A point cloud has none (read_positions).
  FloatArray x(size_t stride = 1) const;
  FloatArray y(size_t stride = 1) const;
  FloatArray t() const;

 private:
  void check_selection(const Selection& s, bool time_dependent) const;
  std::unique_ptr<Hdf5File> file_;
  PdebenchInfo info_;
};

// Throws naming `where` and the position when any value is NaN or infinite.
void check_finite(const FloatArray& values, const std::string& where);

}  // namespace mno::data
