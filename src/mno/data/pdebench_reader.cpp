#include "mno/data/pdebench_reader.h"

#include <cmath>

#include "mno/core/error.h"

namespace mno::data {

namespace {

// The flat index of the first NaN or infinity in `values`, or its size when there is none.
size_t first_non_finite(const FloatArray& values) {
  size_t i = 0;
  while (i < values.size() && std::isfinite(values.values[i])) ++i;
  return i;
}

// The shape of one entry along axis 0 (a sample, a frame).
std::string entry_shape(const FloatArray& values) {
  return shape_string(values.shape.empty() ? Shape{} : Shape(values.shape.begin() + 1, values.shape.end()));
}

// `values` holds the file's samples from `first_sample` on (axis 0): the error names the file's
// sample index, the one a user looks up, not the index within this read.
void check_finite_samples(const FloatArray& values, const std::string& where, size_t first_sample) {
  const size_t i = first_non_finite(values);
  if (i == values.size()) return;
  const size_t per_sample = values.stride0();
  throw Error(fmt::format("{}: non-finite value {} in sample {} (flat index {} of the sample, shape {})", where,
                          values.values[i], first_sample + i / per_sample, i % per_sample, entry_shape(values)));
}

}  // namespace

void check_finite(const FloatArray& values, const std::string& where) { check_finite_samples(values, where, 0); }

PdebenchReader::PdebenchReader(const std::string& path)
    : file_(std::make_unique<Hdf5File>(path, Hdf5File::Mode::read)), info_(inspect_pdebench(*file_)) {}

void PdebenchReader::check_selection(const Selection& s, bool time_dependent) const {
  const bool wants_time = pde_spec(info_.pde).time_dependent();
  check(wants_time == time_dependent, "{}: holds {} data; this read needs {}", path(), pde_name(info_.pde),
        time_dependent ? "a time-dependent file (swe or diffreact)" : "a Darcy file");
  check(s.samples >= 1 && s.first_sample + s.samples <= info_.samples,
        "{}: samples [{}, {}) requested, the file has {}", path(), s.first_sample, s.first_sample + s.samples,
        info_.samples);
  check(s.stride >= 1 && info_.nx % s.stride == 0 && info_.ny % s.stride == 0,
        "{}: stride {} does not divide the grid {}x{}", path(), s.stride, info_.nx, info_.ny);
  if (time_dependent) {
    const size_t frames = s.frames == 0 ? info_.frames - std::min(s.first_frame, info_.frames) : s.frames;
    check(s.first_frame < info_.frames && frames >= 1 && s.first_frame + frames <= info_.frames,
          "{}: frames [{}, {}) requested, samples have {}", path(), s.first_frame, s.first_frame + frames,
          info_.frames);
  }
}

bool PdebenchReader::has_darcy_solution() const { return file_->exists(names::darcy_solution); }

FloatArray PdebenchReader::read_darcy_coefficient(const Selection& s) const {
  check_selection(s, false);
  const uint64_t st = s.stride;
  FloatArray a = file_->read(names::darcy_coefficient,
                             {{s.first_sample, 0, 0}, {s.samples, info_.nx / st, info_.ny / st}, {1, st, st}});
  check_finite_samples(a, fmt::format("{}: dataset '{}'", path(), names::darcy_coefficient), s.first_sample);
  return a;
}

DarcySamples PdebenchReader::read_darcy(const Selection& s) const {
  check_selection(s, false);
  check(has_darcy_solution(), "{}: dataset '{}' missing: the file holds the inputs '{}' alone, which `mno predict` "
        "takes, but training and evaluation need the solutions too", path(), names::darcy_solution,
        names::darcy_coefficient);
  const uint64_t st = s.stride;
  DarcySamples out;
  out.coefficient = read_darcy_coefficient(s);
  FloatArray u = file_->read(names::darcy_solution,
                             {{s.first_sample, 0, 0, 0}, {s.samples, 1, info_.nx / st, info_.ny / st}, {1, 1, st, st}});
  u.shape = {s.samples, info_.nx / st, info_.ny / st};  // drop PDEBench's channel axis of 1
  out.solution = std::move(u);
  check_finite_samples(out.solution, fmt::format("{}: dataset '{}'", path(), names::darcy_solution), s.first_sample);
  return out;
}

FloatArray PdebenchReader::read_frames(const Selection& s) const {
  check_selection(s, true);
  const uint64_t st = s.stride;
  const size_t frames = s.frames == 0 ? info_.frames - s.first_frame : s.frames;
  const size_t nx = info_.nx / st, ny = info_.ny / st, c = info_.channels;
  FloatArray out({s.samples, frames, nx, ny, c});
  const size_t per_sample = frames * nx * ny * c;
  for (size_t i = 0; i < s.samples; ++i) {
    const std::string& group = info_.groups[s.first_sample + i];
    const FloatArray one = file_->read(names::data(group), {{s.first_frame, 0, 0, 0}, {frames, nx, ny, c}, {1, st, st, 1}});
    // `one` is this sample's [frames, x, y, c]: name the sample and the file's frame.
    if (const size_t bad = first_non_finite(one); bad < one.size())
      throw Error(fmt::format("{}: dataset '{}': non-finite value {} in sample {}, frame {} (flat index {} of the "
                              "frame, shape {})",
                              path(), names::data(group), one.values[bad], s.first_sample + i,
                              s.first_frame + bad / one.stride0(), bad % one.stride0(),
                              entry_shape(one)));
    std::copy(one.values.begin(), one.values.end(), out.values.begin() + i * per_sample);
  }
  return out;
}

FloatArray PdebenchReader::read_positions(size_t first, size_t count) const {
  check(info_.point_cloud, "{}: holds a grid, not a point cloud: it has no dataset '{}'", path(), names::positions);
  FloatArray p;
  if (info_.per_sample_positions) {
    check(count >= 1 && first + count <= info_.samples, "{}: positions of samples [{}, {}) requested, the file has {}",
          path(), first, first + count, info_.samples);
    p = file_->read(names::positions, {{first, 0, 0}, {count, info_.nx, 2}, {1, 1, 1}});
  } else {
    p = file_->read(names::positions);
    p.shape = {1, info_.nx, 2};
  }
  const std::string where = fmt::format("{}: dataset '{}'", path(), names::positions);
  check_finite_samples(p, where, info_.per_sample_positions ? first : 0);
  for (size_t i = 0; i < p.size(); ++i)
    if (p.values[i] < 0.0f || p.values[i] > 1.0f)
      throw mismatch_error(where, "coordinates in the unit square [0, 1]²",
                           fmt::format("{} (point {} of sample {})", p.values[i], (i / 2) % info_.nx,
                                       (info_.per_sample_positions ? first : 0) + i / (2 * info_.nx)));
  return p;
}

FloatArray PdebenchReader::x(size_t stride) const {
  check(!info_.point_cloud, "{}: a point cloud has positions ('{}'), not grid coordinates", path(), names::positions);
  check(stride >= 1 && info_.nx % stride == 0, "{}: stride {} does not divide the grid size {}", path(), stride, info_.nx);
  const std::string name = !pde_spec(info_.pde).time_dependent() ? names::darcy_x : names::grid(info_.groups[0], "x");
  return file_->read(name, {{0}, {info_.nx / stride}, {stride}});
}

FloatArray PdebenchReader::y(size_t stride) const {
  check(!info_.point_cloud, "{}: a point cloud has positions ('{}'), not grid coordinates", path(), names::positions);
  check(stride >= 1 && info_.ny % stride == 0, "{}: stride {} does not divide the grid size {}", path(), stride, info_.ny);
  const std::string name = !pde_spec(info_.pde).time_dependent() ? names::darcy_y : names::grid(info_.groups[0], "y");
  return file_->read(name, {{0}, {info_.ny / stride}, {stride}});
}

FloatArray PdebenchReader::t() const {
  check(pde_spec(info_.pde).time_dependent(), "{}: a Darcy file has no frame times", path());
  return file_->read(names::grid(info_.groups[0], "t"));
}

}  // namespace mno::data
