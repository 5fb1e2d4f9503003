#include "mno/data/pdebench_writer.h"

#include "mno/core/error.h"

namespace mno::data {
namespace {

FloatArray vector_array(const std::vector<float>& v) {
  FloatArray a(Shape{v.size()});
  a.values = v;
  return a;
}

}  // namespace

PdebenchWriter::PdebenchWriter(const std::string& path, LayoutSpec spec)
    : file_(path, Hdf5File::Mode::create), spec_(std::move(spec)) {
  using Points = LayoutSpec::Points;
  const bool cloud = spec_.points != Points::none;
  if (cloud) {
    check(!pde_spec(spec_.pde).time_dependent(), "{}: point clouds are written for Darcy data only, not {}", path,
          pde_name(spec_.pde));
    check(spec_.ny == 1 && spec_.x.empty() && spec_.y.empty(), "{}: a point cloud has N × 1 points and no grid "
          "coordinates, found {}x{} with {} and {} coordinates", path, spec_.nx, spec_.ny, spec_.x.size(), spec_.y.size());
    check(spec_.points == Points::per_sample || spec_.positions.size() == 2 * spec_.nx,
          "{}: {} shared positions for {} points (expected 2 per point)", path, spec_.positions.size(), spec_.nx);
  } else {
    check(spec_.x.size() == spec_.nx && spec_.y.size() == spec_.ny, "{}: coordinates ({}, {}) do not match the grid {}x{}",
          path, spec_.x.size(), spec_.y.size(), spec_.nx, spec_.ny);
  }
  if (cloud) {
    file_.create_dataset(names::darcy_coefficient, {spec_.samples, spec_.nx, 1}, {1, spec_.nx, 1});
    file_.create_dataset(names::darcy_solution, {spec_.samples, 1, spec_.nx, 1}, {1, 1, spec_.nx, 1});
    if (spec_.points == Points::shared) {
      file_.create_dataset(names::positions, {spec_.nx, 2});
      FloatArray p(Shape{spec_.nx, 2});
      p.values = spec_.positions;
      file_.write(names::positions, p);
    } else {
      file_.create_dataset(names::positions, {spec_.samples, spec_.nx, 2}, {1, spec_.nx, 2});
    }
    if (spec_.beta) file_.write_double_attribute("/", names::darcy_beta, *spec_.beta);
  } else if (!pde_spec(spec_.pde).time_dependent()) {
    // One chunk per sample: a training batch reads whole samples, never a sliver of many.
    file_.create_dataset(names::darcy_coefficient, {spec_.samples, spec_.nx, spec_.ny}, {1, spec_.nx, spec_.ny});
    file_.create_dataset(names::darcy_solution, {spec_.samples, 1, spec_.nx, spec_.ny}, {1, 1, spec_.nx, spec_.ny});
    file_.create_dataset(names::darcy_x, {spec_.nx});
    file_.create_dataset(names::darcy_y, {spec_.ny});
    file_.write(names::darcy_x, vector_array(spec_.x));
    file_.write(names::darcy_y, vector_array(spec_.y));
    if (spec_.beta) file_.write_double_attribute("/", names::darcy_beta, *spec_.beta);
  } else {
    check(spec_.t.size() == spec_.frames, "{}: {} frame times for {} frames", path, spec_.t.size(), spec_.frames);
  }
}

size_t PdebenchWriter::channels() const { return pde_spec(spec_.pde).channels; }

void PdebenchWriter::write_darcy(size_t i, const std::vector<float>& a, const std::vector<float>& u) {
  check(!pde_spec(spec_.pde).time_dependent(), "{}: Darcy sample written to a {} file", file_.path(), pde_name(spec_.pde));
  check(i < spec_.samples, "{}: sample {} beyond the {} declared", file_.path(), i, spec_.samples);
  const size_t n = spec_.nx * spec_.ny;
  check(a.size() == n && u.size() == n, "{}: Darcy sample {}: expected {} values per field, found {} and {}",
        file_.path(), i, n, a.size(), u.size());
  FloatArray av(Shape{1, spec_.nx, spec_.ny});
  av.values = a;
  FloatArray uv(Shape{1, 1, spec_.nx, spec_.ny});
  uv.values = u;
  file_.write(names::darcy_coefficient, av, {{i, 0, 0}, {1, spec_.nx, spec_.ny}, {1, 1, 1}});
  file_.write(names::darcy_solution, uv, {{i, 0, 0, 0}, {1, 1, spec_.nx, spec_.ny}, {1, 1, 1, 1}});
}

void PdebenchWriter::write_positions(size_t i, const std::vector<float>& positions) {
  check(spec_.points == LayoutSpec::Points::per_sample, "{}: positions of one sample written to a file whose samples "
        "share their positions (or have a grid)", file_.path());
  check(i < spec_.samples, "{}: sample {} beyond the {} declared", file_.path(), i, spec_.samples);
  check(positions.size() == 2 * spec_.nx, "{}: sample {}: expected {} position values (2 per point), found {}",
        file_.path(), i, 2 * spec_.nx, positions.size());
  FloatArray p(Shape{1, spec_.nx, 2});
  p.values = positions;
  file_.write(names::positions, p, {{i, 0, 0}, {1, spec_.nx, 2}, {1, 1, 1}});
}

void PdebenchWriter::write_frames(size_t i, const FloatArray& frames, const std::string& config) {
  check(pde_spec(spec_.pde).time_dependent(), "{}: time-dependent sample written to a Darcy file", file_.path());
  check(i < spec_.samples, "{}: sample {} beyond the {} declared", file_.path(), i, spec_.samples);
  const Shape expected{spec_.frames, spec_.nx, spec_.ny, channels()};
  if (frames.shape != expected)
    throw mismatch_error(fmt::format("{}: sample {}", file_.path(), i), shape_string(expected), shape_string(frames.shape));
  const std::string group = names::group(i);
  file_.create_dataset(names::data(group), expected);
  file_.write(names::data(group), frames);
  file_.create_dataset(names::grid(group, "x"), {spec_.nx});
  file_.write(names::grid(group, "x"), vector_array(spec_.x));
  file_.create_dataset(names::grid(group, "y"), {spec_.ny});
  file_.write(names::grid(group, "y"), vector_array(spec_.y));
  file_.create_dataset(names::grid(group, "t"), {spec_.frames});
  file_.write(names::grid(group, "t"), vector_array(spec_.t));
  if (!config.empty()) file_.write_string_attribute(group, "config", config);
}

}  // namespace mno::data
