#include "mno/eval/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/eval/heatmap.h"
#include "mno/eval/line_plot.h"
#include "mno/eval/spectrum.h"

namespace mno::eval {
namespace {

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.4e}", v) : "—"; }

// Columns of log.csv by name -> values (empty cells skipped, the x values kept aligned).
Series log_series(const std::string& csv, const std::string& column, const std::string& name) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream h(line);
    std::string cell;
    while (std::getline(h, cell, ',')) header.push_back(cell);
  }
  size_t col = header.size();
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == column) col = i;
  Series s{name, {}, {}};
  while (std::getline(in, line)) {
    std::istringstream r(line);
    std::vector<std::string> cells;
    std::string cell;
    while (std::getline(r, cell, ',')) cells.push_back(cell);
    if (col >= cells.size() || cells[col].empty()) continue;
    s.x.push_back(std::stod(cells[0]));
    s.y.push_back(std::stod(cells[col]));
  }
  return s;
}

std::string along_time_csv(const Evaluation& e) {
  std::string csv = "frame,mode";
  const auto names = named_values(Metrics{});
  for (const auto& [name, value] : names) csv += "," + name + "," + name + "_std";
  csv += "\n";
  for (const MetricAccumulator* acc : {&e.standard, &e.paper}) {
    const auto mean = acc->along_time(), spread = acc->along_time_std();
    for (size_t t = 0; t < mean.size(); ++t) {
      csv += fmt::format("{},{}", t, to_string(acc->mode()));
      const auto m = named_values(mean[t]), s = named_values(spread[t]);
      for (size_t i = 0; i < m.size(); ++i)
        csv += fmt::format(",{},{}", std::isfinite(m[i].second) ? fmt::format("{:.9g}", m[i].second) : "",
                           std::isfinite(s[i].second) ? fmt::format("{:.9g}", s[i].second) : "");
      csv += "\n";
    }
  }
  return csv;
}

// One plot of the report: the file written and the caption report.md gives it.
struct Plot {
  std::string file, caption;
  std::string note = "";  // a line under the picture ("" none)
};

void write_metrics_json(const std::string& path, const ReportInputs& in, const Evaluation& e) {
  nlohmann::json j;
  j["run"] = in.title;
  j["model"] = in.model_line;
  j["data"] = in.data_line;
  j["samples"] = e.samples;
  j["eval_seconds"] = e.seconds;
  if (in.parameters > 0) j["parameters"] = in.parameters;
  if (in.steps > 0) j["steps"] = in.steps;
  if (in.steps_per_epoch > 0) j["steps_per_epoch"] = in.steps_per_epoch;
  if (in.train_seconds > 0) j["train_seconds"] = in.train_seconds;
  j["standard"] = to_json(e.standard.result());
  j["paper"] = to_json(e.paper.result());
  write_text_atomically(path, j.dump(2) + "\n");
}

// Input / truth / prediction / error of each kept sample at its last frame (and at its first
// predicted frame when time-dependent), one PNG per sample, frame and channel.
std::vector<Plot> plot_samples(const Evaluation& e, const std::string& dir, const FieldFrame& frame) {
  std::vector<Plot> plots;
  const int64_t frames = e.truth.size(3), given = static_cast<int64_t>(e.standard.options().given_frames);
  std::vector<int64_t> shown{frames - 1};
  if (given > 0 && given < frames - 1) shown.insert(shown.begin(), given);
  for (int64_t k = 0; k < e.truth.size(0); ++k) {
    for (int64_t t : shown) {
      for (int64_t c = 0; c < e.truth.size(4); ++c) {
        const torch::Tensor truth = e.truth[k].select(2, t).select(2, c), pred = e.prediction[k].select(2, t).select(2, c);
        const torch::Tensor points = e.positions.defined() ? e.positions[k] : torch::Tensor();
        const Heatmap input = given == 0 ? field_heatmap("input", e.inputs[k].select(2, 0), frame, points)
                                         : field_heatmap(fmt::format("input (frame {})", given - 1),
                                                         e.truth[k].select(2, given - 1).select(2, c), frame, points);
        const std::vector<Heatmap> panels = sample_panels(input, truth, pred, frame, points);
        const std::string name = frames == 1 ? fmt::format("sample{}.png", k)
                                             : fmt::format("sample{}_frame{}_channel{}.png", k, t, c);
        write_heatmaps_png(dir + "/" + name, panels,
                           frames == 1 ? fmt::format("test sample {}", k)
                                       : fmt::format("test sample {}, frame {}, channel {}", k, t, c));
        plots.push_back({dir + "/" + name, name, heatmaps_note(panels)});
      }
    }
  }
  return plots;
}

// Radially averaged energy spectra at the last frame, averaged over the kept samples, first channel.
Plot plot_spectrum(const Evaluation& e, const std::string& dir) {
  const int64_t last = e.truth.size(3) - 1;
  const std::vector<double> st = radial_energy_spectrum(e.truth.select(3, last).select(3, 0));
  const std::vector<double> sp = radial_energy_spectrum(e.prediction.select(3, last).select(3, 0));
  LinePlot spectra{"energy spectrum (last frame)", "wavenumber k", "energy", true, true, {}};
  std::vector<double> k;
  for (size_t i = 1; i < st.size(); ++i) k.push_back(static_cast<double>(i));  // k = 0 has no place on a log axis
  // A diverged model's prediction can overflow the energy (inf everywhere): its curve is left out
  // and the title says so, rather than the whole report failing after the metrics were written.
  const auto drawable = [](const std::vector<double>& v) {
    return std::any_of(v.begin() + 1, v.end(), [](double x) { return std::isfinite(x) && x > 0; });
  };
  for (const auto& [name, values] : {std::pair{"truth", st}, std::pair{"prediction", sp}}) {
    if (drawable(values)) spectra.series.push_back({name, k, std::vector<double>(values.begin() + 1, values.end())});
    else spectra.title += fmt::format("; {}: no finite positive energy", name);
  }
  if (spectra.series.empty()) return {"", ""};
  write_line_plot_png(dir + "/spectrum.png", spectra);
  return {dir + "/spectrum.png", "spectrum"};
}

Plot plot_error_vs_time(const Evaluation& e, const std::string& dir) {
  const auto standard_t = e.standard.along_time(), paper_t = e.paper.along_time();
  LinePlot err{"error against time", "frame", "error", false, true, {}};
  Series a{"nRMSE (standard)", {}, {}}, b{"RMSE (standard)", {}, {}}, c{"nRMSE (paper, 3-D branch)", {}, {}};
  for (size_t t = 0; t < standard_t.size(); ++t) {
    a.x.push_back(t), a.y.push_back(standard_t[t].nrmse);
    b.x.push_back(t), b.y.push_back(standard_t[t].rmse);
    c.x.push_back(t), c.y.push_back(paper_t[t].nrmse);
  }
  err.series = {a, b, c};
  write_line_plot_png(dir + "/error_vs_time.png", err);
  return {dir + "/error_vs_time.png", "error against time"};
}

// Loss and learning-rate curves from log.csv (none before an epoch has finished).
std::vector<Plot> plot_training_curves(const std::string& log_csv, const std::string& dir) {
  const Series loss = log_series(log_csv, "train_loss", "train loss"), test = log_series(log_csv, "test_nrmse", "test nRMSE");
  if (loss.x.empty()) return {};
  LinePlot curves{"training", "epoch", "value", false, true, {loss}};
  if (!test.x.empty()) curves.series.push_back(test);
  write_line_plot_png(dir + "/loss.png", curves);
  const Series lr = log_series(log_csv, "lr", "learning rate (end of epoch)");
  write_line_plot_png(dir + "/lr.png", {"learning rate", "epoch", "lr", false, true, {lr}});
  return {{dir + "/loss.png", "loss"}, {dir + "/lr.png", "learning rate"}};
}

std::string report_markdown(const ReportInputs& in, const Evaluation& e, const std::vector<Plot>& plots) {
  std::string md = fmt::format("# {}\n\n{}\n\n{}\n\nTest samples: {}; evaluation took {:.1f} s", in.title,
                               in.model_line, in.data_line, e.samples, e.seconds);
  if (in.train_seconds > 0) md += fmt::format("; training took {:.1f} s", in.train_seconds);
  md += ".\n\n## Metrics\n\n`standard`: PDEBench's definitions over the predicted frames, per sample then averaged. "
        "`paper`: the authors' computation (per-batch means, given frames included; for steady data their 3-D "
        "branch makes RMSE a mean absolute error). Definitions: docs/metrics.md.\n\n"
        "| metric | standard | paper |\n|---|---:|---:|\n";
  const auto s = named_values(e.standard.result()), p = named_values(e.paper.result());
  for (size_t i = 0; i < s.size(); ++i) md += fmt::format("| {} | {} | {} |\n", s[i].first, number(s[i].second), number(p[i].second));
  md += "\n## Plots\n\n";
  const std::filesystem::path here = std::filesystem::path(in.paths.report_md).parent_path();
  for (const Plot& plot : plots) {
    md += fmt::format("![{}]({})\n", plot.caption, std::filesystem::path(plot.file).lexically_relative(here).string());
    if (!plot.note.empty()) md += "\n" + plot.note + "\n\n";
  }
  md += "\nFiles: `metrics.json` (both modes), `along_time.csv` (every metric per frame), `log.csv` (per epoch).\n";
  return md;
}

}  // namespace

ReportFiles write_report(const ReportInputs& in, const Evaluation& e) {
  check(e.samples > 0, "{}: nothing was evaluated", in.title);
  const ReportPaths& to = in.paths;
  std::filesystem::create_directories(to.plots_dir);
  write_metrics_json(to.metrics_json, in, e);
  write_text_atomically(to.along_time_csv, along_time_csv(e));

  std::vector<Plot> plots;
  if (e.truth.defined()) {
    plots = plot_samples(e, to.plots_dir, in.frame);
    if (Plot spectrum = plot_spectrum(e, to.plots_dir); !spectrum.file.empty()) plots.push_back(std::move(spectrum));
  }
  if (e.standard.along_time().size() > 1) plots.push_back(plot_error_vs_time(e, to.plots_dir));
  if (!in.log_csv.empty())
    for (Plot& p : plot_training_curves(in.log_csv, to.plots_dir)) plots.push_back(std::move(p));
  write_text_atomically(to.report_md, report_markdown(in, e, plots));

  ReportFiles files{to.metrics_json, to.along_time_csv, to.report_md, {}};
  for (const Plot& p : plots) files.plots.push_back(p.file);
  return files;
}

Heatmap field_heatmap(const std::string& title, const torch::Tensor& field, const FieldFrame& frame,
                      const torch::Tensor& points) {
  const torch::Tensor cpu = field.to(torch::kCPU, torch::kFloat32);
  if (frame.scattered) {
    check(points.defined() && points.numel() == 2 * cpu.numel(), "field_heatmap: the scattered field '{}' needs its "
          "{} points' positions", title, cpu.numel());
    const torch::Tensor p = points.to(torch::kCPU, torch::kFloat32).reshape({-1, 2}).contiguous();
    const torch::Tensor v = cpu.reshape({-1}).contiguous(), px = p.select(1, 0).contiguous(), py = p.select(1, 1).contiguous();
    Heatmap h;
    h.title = title;
    h.values.assign(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
    h.point_x.assign(px.data_ptr<float>(), px.data_ptr<float>() + px.numel());
    h.point_y.assign(py.data_ptr<float>(), py.data_ptr<float>() + py.numel());
    h.x_min = frame.x_min, h.x_max = frame.x_max, h.y_min = frame.y_min, h.y_max = frame.y_max;
    return h;
  }
  const torch::Tensor f = (frame.transposed ? cpu.t() : cpu).contiguous();
  Heatmap h;
  h.title = title;
  h.nx = static_cast<size_t>(f.size(0));
  h.ny = static_cast<size_t>(f.size(1));
  h.values.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
  h.x_min = frame.x_min, h.x_max = frame.x_max, h.y_min = frame.y_min, h.y_max = frame.y_max;
  return h;
}

std::vector<Heatmap> sample_panels(const Heatmap& input, const torch::Tensor& truth, const torch::Tensor& prediction,
                                   const FieldFrame& frame, const torch::Tensor& points) {
  std::vector<Heatmap> panels{input, field_heatmap("truth", truth, frame, points),
                              field_heatmap("prediction", prediction, frame, points),
                              field_heatmap("error = prediction − truth", prediction - truth, frame, points)};
  share_colour_scales({&panels[1], &panels[2]}, {&panels[3]});
  return panels;
}

std::string heatmaps_note(const std::vector<Heatmap>& panels) {
  // One entry per distinct range, naming the panels drawn with it, in the order they appear.
  std::vector<std::pair<std::string, ColourRange>> scales;
  for (const Heatmap& h : panels) {
    const ColourRange r = colour_range_of(h);
    auto same = std::find_if(scales.begin(), scales.end(),
                             [&](const auto& s) { return s.second.lo == r.lo && s.second.hi == r.hi; });
    if (same == scales.end()) scales.push_back({h.title, r});
    else same->first += " and " + h.title;
  }
  if (panels.empty()) return "";
  std::string note = "Colour scales:";
  for (size_t i = 0; i < scales.size(); ++i)
    note += fmt::format("{} {} from {} to {}", i == 0 ? "" : ";", scales[i].first, fmt::format("{:.4g}", scales[i].second.lo),
                        fmt::format("{:.4g}", scales[i].second.hi));
  const Heatmap& first = panels.front();
  return note + fmt::format(". Axes: x from {:.4g} to {:.4g}, y from {:.4g} to {:.4g}.", first.x_min, first.x_max, first.y_min,
                            first.y_max);
}

std::string metrics_table_header() {
  return "| model | parameters | RMSE | nRMSE | RL2 | bRMSE | fRMSE low / mid / high | max error | paper RMSE | paper nRMSE | train s |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
}

std::string metrics_table_row(const std::string& name, int64_t parameters, const Evaluation& e, double train_seconds) {
  const Metrics s = e.standard.result(), p = e.paper.result();
  return fmt::format("| {} | {} | {} | {} | {} | {} | {} / {} / {} | {} | {} | {} | {:.0f} |\n", name, parameters,
                     number(s.rmse), number(s.nrmse), number(s.rl2), number(s.brmse), number(s.frmse_low),
                     number(s.frmse_mid), number(s.frmse_high), number(s.max_error), number(p.rmse), number(p.nrmse),
                     train_seconds);
}

}  // namespace mno::eval
