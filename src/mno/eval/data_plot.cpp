#include "mno/eval/data_plot.h"

#include "mno/core/error.h"
#include "mno/core/usage_error.h"
#include "mno/data/pdebench_reader.h"
#include "mno/eval/heatmap.h"

namespace mno::eval {
namespace {

using data::FloatArray;

// One channel of a [n1, n2, C] block as a heatmap in `frame`.
Heatmap field(const std::string& title, const float* block, size_t n1, size_t n2, size_t channel, size_t channels,
              const FieldFrame& frame) {
  Heatmap h;
  h.title = title;
  h.nx = frame.transposed ? n2 : n1;
  h.ny = frame.transposed ? n1 : n2;
  h.values.resize(n1 * n2);
  for (size_t a = 0; a < n1; ++a)
    for (size_t b = 0; b < n2; ++b) {
      const float v = block[(a * n2 + b) * channels + channel];
      h.values[frame.transposed ? b * n1 + a : a * n2 + b] = v;
    }
  h.x_min = frame.x_min, h.x_max = frame.x_max, h.y_min = frame.y_min, h.y_max = frame.y_max;
  return h;
}

}  // namespace

FieldFrame field_frame(const data::PdebenchReader& reader, size_t stride) {
  // PDEBench's diffusion-reaction arrays are [y, x] while Darcy and shallow water are [x, y]; x
  // runs across either way.
  FieldFrame f;
  if (reader.info().point_cloud) {  // the unit square, drawn as dots at the points
    f.scattered = true;
    return f;
  }
  f.transposed = data::pde_spec(reader.info().pde).arrays_y_major;
  const data::FloatArray hx = reader.x(stride), hy = reader.y(stride);
  // Extend the cell-centre range by half a cell so that pixels sit on their cells.
  const double dx = hx.size() > 1 ? hx.values[1] - hx.values[0] : 1.0, dy = hy.size() > 1 ? hy.values[1] - hy.values[0] : 1.0;
  f.x_min = hx.values.front() - dx / 2;
  f.x_max = hx.values.back() + dx / 2;
  f.y_min = hy.values.front() - dy / 2;
  f.y_max = hy.values.back() + dy / 2;
  return f;
}

std::string plot_pdebench_sample(const std::string& file, size_t sample, long frame, const std::string& out_png) {
  const data::PdebenchReader reader(file);
  const auto& info = reader.info();
  // --sample and --frame are checked against the file: out of its range, they are usage errors.
  usage_check(sample < info.samples, "{}: --sample {} out of range, the file has {} samples", file, sample,
              info.samples);
  const FieldFrame domain = field_frame(reader);
  std::vector<Heatmap> panels;
  std::string title;
  const data::PdeSpec& pde = data::pde_spec(info.pde);
  if (!pde.time_dependent()) {
    usage_check(frame < 1, "{}: a Darcy file has no frames; drop --frame", file);
    const data::DarcySamples d = reader.read_darcy({sample, 1, 1});
    panels.push_back(field(pde.plot_fields[0], d.coefficient.data(), info.nx, info.ny, 0, 1, domain));
    panels.push_back(field(pde.plot_fields[1], d.solution.data(), info.nx, info.ny, 0, 1, domain));
    title = fmt::format("{}, sample {}", pde.plot_title, sample);
    if (info.point_cloud) {  // each field's values at the sample's points
      const FloatArray p = reader.read_positions(info.per_sample_positions ? sample : 0, 1);
      for (Heatmap& h : panels) {
        for (size_t k = 0; k < info.nx; ++k) {
          h.point_x.push_back(p.values[2 * k]);
          h.point_y.push_back(p.values[2 * k + 1]);
        }
      }
      title += fmt::format(", {} scattered points", info.nx);
    }
  } else {
    const long last = static_cast<long>(info.frames) - 1;
    const long f = frame < 0 ? last : frame;
    usage_check(f <= last, "{}: --frame {} out of range, samples have frames 0..{}", file, frame, last);
    data::Selection s;
    s.first_sample = sample;
    s.first_frame = static_cast<size_t>(f);
    s.frames = 1;
    const FloatArray block = reader.read_frames(s);
    const float t = reader.t().values[f];
    for (size_t c = 0; c < pde.channels; ++c)
      panels.push_back(field(pde.plot_fields[c], block.data(), info.nx, info.ny, c, pde.channels, domain));
    title = fmt::format("{}, sample {}, frame {} (t = {:.3g})", pde.plot_title, sample, f, t);
  }
  write_heatmaps_png(out_png, panels, title);
  return out_png;
}

}  // namespace mno::eval
