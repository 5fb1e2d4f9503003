#include "mno/data/pdebench_summary.h"

#include <algorithm>
#include <limits>

#include "mno/data/pdebench_reader.h"

namespace mno::data {
namespace {

// Accumulates min/max/mean of every `channels`-th value starting at `channel`.
struct Accumulator {
  double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity(), sum = 0;
  size_t count = 0;
  void add(const std::vector<float>& v, size_t channel, size_t channels) {
    for (size_t k = channel; k < v.size(); k += channels) {
      min = std::min<double>(min, v[k]);
      max = std::max<double>(max, v[k]);
      sum += v[k];
    }
    count += v.size() / channels;
  }
  FieldRange range(const std::string& name) const { return {name, min, max, count ? sum / count : 0.0}; }
};

}  // namespace

PdebenchSummary summarise_pdebench(const std::string& path, size_t max_samples) {
  PdebenchReader reader(path);
  PdebenchSummary s;
  s.info = reader.info();
  if (s.info.point_cloud) {
    // The extent of the points: of the shared mesh, or over the scanned samples' own points.
    const size_t n = s.info.per_sample_positions ? (max_samples == 0 ? s.info.samples : std::min(max_samples, s.info.samples)) : 1;
    const FloatArray p = reader.read_positions(0, n);
    s.x_first = s.y_first = 1.0f;
    s.x_last = s.y_last = 0.0f;
    for (size_t k = 0; k + 1 < p.size(); k += 2) {
      s.x_first = std::min(s.x_first, p.values[k]), s.x_last = std::max(s.x_last, p.values[k]);
      s.y_first = std::min(s.y_first, p.values[k + 1]), s.y_last = std::max(s.y_last, p.values[k + 1]);
    }
  } else {
    const FloatArray x = reader.x(), y = reader.y();
    s.x_first = x.values.front();
    s.x_last = x.values.back();
    s.y_first = y.values.front();
    s.y_last = y.values.back();
  }
  const PdeSpec& pde = pde_spec(s.info.pde);
  if (pde.time_dependent()) {
    const FloatArray t = reader.t();
    s.t_first = t.values.front();
    s.t_last = t.values.back();
  }
  s.samples_scanned = max_samples == 0 ? s.info.samples : std::min(max_samples, s.info.samples);
  const auto& names = pde.summary_fields;
  std::vector<Accumulator> acc(names.size());
  for (size_t i = 0; i < s.samples_scanned; ++i) {
    if (!pde.time_dependent()) {
      const DarcySamples d = reader.read_darcy({i, 1, 1});
      acc[0].add(d.coefficient.values, 0, 1);
      acc[1].add(d.solution.values, 0, 1);
    } else {
      Selection one;
      one.first_sample = i;
      const FloatArray f = reader.read_frames(one);
      for (size_t c = 0; c < names.size(); ++c) acc[c].add(f.values, c, names.size());
    }
  }
  for (size_t c = 0; c < names.size(); ++c) s.fields.push_back(acc[c].range(names[c]));
  return s;
}

std::string format_summary(const PdebenchSummary& s) {
  const PdebenchInfo& i = s.info;
  std::string out = fmt::format("file:     {}\n", i.path);
  const PdeSpec& pde = pde_spec(i.pde);
  if (i.point_cloud) {
    out += fmt::format("pde:      {}, beta = {}\n", pde.title, i.beta ? fmt::format("{}", *i.beta) : "unknown");
    out += fmt::format("layout:   point cloud: nu [{0},{1},1], tensor [{0},1,{1},1], positions [{2}{1},2]\n", i.samples,
                       i.nx, i.per_sample_positions ? fmt::format("{},", i.samples) : "");
    out += fmt::format("samples:  {}\npoints:   {} scattered ({}), x = {} .. {}, y = {} .. {}\n", i.samples, i.nx,
                       i.per_sample_positions ? "each sample its own" : "one mesh for every sample", s.x_first,
                       s.x_last, s.y_first, s.y_last);
    out += fmt::format("values (over {} sample{}):\n", s.samples_scanned, s.samples_scanned == 1 ? "" : "s");
    for (const auto& f : s.fields) out += fmt::format("  {:<11} min {:.6g}  max {:.6g}  mean {:.6g}\n", f.name, f.min, f.max, f.mean);
    return out;
  }
  if (!pde.time_dependent()) {
    out += fmt::format("pde:      {}, beta = {}\n", pde.title, i.beta ? fmt::format("{}", *i.beta) : "unknown");
    out += fmt::format("layout:   flat datasets nu [{},{},{}], tensor [{},1,{},{}], x-coordinate, y-coordinate\n",
                       i.samples, i.nx, i.ny, i.samples, i.nx, i.ny);
  } else {
    out += fmt::format("pde:      {}\n", pde.title);
    out += fmt::format("layout:   {} groups {}..{}, each data [{},{},{},{}], grid/x, grid/y, grid/t\n", i.samples,
                       i.groups.front(), i.groups.back(), i.frames, i.nx, i.ny, i.channels);
    out += fmt::format("time:     {} frames, t = {} .. {}\n", i.frames, s.t_first, s.t_last);
  }
  out += fmt::format("samples:  {}\ngrid:     {} x {}, x = {} .. {}, y = {} .. {}\n", i.samples, i.nx, i.ny, s.x_first,
                     s.x_last, s.y_first, s.y_last);
  out += fmt::format("values (over {} sample{}):\n", s.samples_scanned, s.samples_scanned == 1 ? "" : "s");
  for (const auto& f : s.fields) out += fmt::format("  {:<11} min {:.6g}  max {:.6g}  mean {:.6g}\n", f.name, f.min, f.max, f.mean);
  return out;
}

}  // namespace mno::data
