#include "mno/workflows/compare_runs.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/usage_error.h"
#include "mno/eval/report.h"
#include "mno/eval/line_plot.h"
#include "mno/workflows/evaluate_run.h"
#include "mno/run/run_paths.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace {

namespace fs = std::filesystem;

std::string directory_name(const std::string& run_dir) {
  auto p = fs::path(run_dir);
  if (p.filename().empty()) p = p.parent_path();  // "runs/a/" names itself "a"
  return p.filename().string();
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.3e}", v) : "—"; }
std::string one_decimal(double v) { return std::isfinite(v) ? fmt::format("{:.1f}", v) : "—"; }
std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : ""; }

void validate(const CompareOptions& o, const std::vector<std::string>& labels) {
  check(!o.runs.empty(), "analyze compare: expected at least one run directory");
  for (const auto& r : o.runs) check(fs::is_directory(r), "analyze compare: run directory '{}' does not exist", r);
  // The flags themselves: usage errors (exit 2).
  usage_check(o.labels.empty() || o.labels.size() == o.runs.size(),
              "analyze compare: --labels: expected one label per run ({}), found {}", o.runs.size(), o.labels.size());
  std::set<std::string> seen;
  for (const auto& l : labels) {
    usage_check(!l.empty(), "analyze compare: --labels: a label is empty");
    usage_check(seen.insert(l).second || o.group,
                "analyze compare: two runs have the label '{}': give each its own (--labels), or --group to average "
                "the runs that share a label (seeds of one setting)", l);
  }
  for (const auto& h : o.heatmap)
    usage_check(seen.count(h) == 1, "analyze compare: --heatmap: '{}' is not the label of a run (labels: {})", h,
                fmt::join(labels, ", "));
  usage_check(o.sample >= 0, "analyze compare: --sample must be at least 0, found {}", o.sample);
}

// What a run was evaluated on, from metrics.json's data line ("Data: FILE (PDE): HxW points ..."):
// "FILE's name (PDE)", or "" when the line does not say (then the run is not checked against others).
std::string dataset_of(const nlohmann::json& metrics) {
  std::smatch m;
  const std::string line = metrics.value("data", std::string());
  if (!std::regex_search(line, m, std::regex("^Data: (.+) \\((darcy|swe|diffreact)\\): "))) return "";
  return fmt::format("{} ({})", fs::path(m[1].str()).filename().string(), m[2].str());
}

// One table ranks runs by their errors, which only means something on one data set: runs of
// another PDE or file are refused, naming both, before anything is written.
void check_one_dataset(const std::vector<ComparedRun>& rows) {
  const ComparedRun* first = nullptr;
  for (const auto& r : rows) {
    if (r.dataset.empty()) continue;
    if (!first) first = &r;
    check(r.dataset == first->dataset,
          "analyze compare: the runs are not of one dataset, so one table cannot rank them: '{}' was evaluated on {}, "
          "'{}' on {}; compare each dataset's runs separately",
          first->run, first->dataset, r.run, r.dataset);
  }
}

// The field drawn for a kept sample: its last frame, first channel, [H, W].
torch::Tensor last_frame(const torch::Tensor& fields, int64_t sample) {
  return fields[sample].select(2, fields.size(3) - 1).select(2, 0);
}

// " ± h (n runs)" after a grouped row's mean; nothing for one run.
std::string spread(const ComparedRun& r, double half_range) {
  return r.runs > 1 ? fmt::format(" ± {:.1e} ({} runs)", half_range, r.runs) : "";
}

// Runs that share a label (CompareOptions::group) as one row, in the order of their first run: the mean
// of every number, half the range of nRMSE and RL2. A run that could not be read is left out of its
// group's numbers (with a warning already given); a group none of whose runs was read is refused.
std::vector<ComparedRun> group_by_label(const std::vector<ComparedRun>& rows) {
  std::vector<ComparedRun> grouped;
  std::vector<std::string> order;
  for (const auto& r : rows)
    if (std::find(order.begin(), order.end(), r.label) == order.end()) order.push_back(r.label);
  for (const auto& label : order) {
    std::vector<const ComparedRun*> read;
    const ComparedRun* first = nullptr;
    for (const auto& r : rows) {
      if (r.label != label) continue;
      if (!first) first = &r;
      if (r.refused.empty()) read.push_back(&r);
    }
    if (read.empty()) {
      grouped.push_back(*first);
      continue;
    }
    ComparedRun g = *read.front();
    g.runs = static_cast<int64_t>(read.size());
    const auto mean = [&read](auto get) {
      double sum = 0;
      for (const auto* r : read) sum += get(*r);
      return sum / static_cast<double>(read.size());
    };
    const auto half_range = [&read](auto get) {
      double lo = get(*read.front()), hi = lo;
      for (const auto* r : read) lo = std::min(lo, get(*r)), hi = std::max(hi, get(*r));
      return (hi - lo) / 2;
    };
    const auto mean_metrics = [&mean](eval::Metrics ComparedRun::*which) {
      eval::Metrics m;
      for (double eval::Metrics::*field : {&eval::Metrics::rmse, &eval::Metrics::nrmse, &eval::Metrics::rl2,
                                           &eval::Metrics::crmse, &eval::Metrics::brmse, &eval::Metrics::frmse_low,
                                           &eval::Metrics::frmse_mid, &eval::Metrics::frmse_high,
                                           &eval::Metrics::max_error})
        m.*field = mean([&](const ComparedRun& r) { return (r.*which).*field; });
      return m;
    };
    g.standard = mean_metrics(&ComparedRun::standard);
    g.paper = mean_metrics(&ComparedRun::paper);
    g.ms_per_step = mean([](const ComparedRun& r) { return r.ms_per_step; });
    g.seconds_per_epoch = mean([](const ComparedRun& r) { return r.seconds_per_epoch; });
    g.nrmse_half_range = half_range([](const ComparedRun& r) { return r.standard.nrmse; });
    g.rl2_half_range = half_range([](const ComparedRun& r) { return r.standard.rl2; });
    for (size_t t = 0; t < g.nrmse_along_time.size(); ++t)
      g.nrmse_along_time[t] = mean([t](const ComparedRun& r) {
        return t < r.nrmse_along_time.size() ? r.nrmse_along_time[t] : NAN;
      });
    grouped.push_back(g);
  }
  return grouped;
}

std::string table(const std::vector<ComparedRun>& rows) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& r : rows)
    if (r.refused.empty() && std::isfinite(r.standard.nrmse)) best = std::min(best, r.standard.nrmse);
  std::string s =
      "| run | parameters | steps | ms / step | s / epoch | RMSE | nRMSE | RL2 | bRMSE | fRMSE low | fRMSE mid | "
      "fRMSE high | paper nRMSE |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    if (!r.refused.empty()) {
      s += fmt::format("| {} | | | | | not evaluated: {} | | | | | | | |\n", r.label, r.refused);
      continue;
    }
    const std::string nrmse = (r.standard.nrmse == best ? "**" + number(r.standard.nrmse) + "**" : number(r.standard.nrmse)) +
                              spread(r, r.nrmse_half_range);
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.label, r.parameters,
                     r.steps, one_decimal(r.ms_per_step), one_decimal(r.seconds_per_epoch), number(r.standard.rmse), nrmse,
                     number(r.standard.rl2) + spread(r, r.rl2_half_range),
                     number(r.standard.brmse), number(r.standard.frmse_low), number(r.standard.frmse_mid),
                     number(r.standard.frmse_high), number(r.paper.nrmse));
  }
  s += "\nStandard mode (PDEBench's definitions over the predicted frames) except the last column, the authors' "
       "computation (docs/metrics.md); the lowest nRMSE in bold. ms / step and s / epoch: training wall time (data "
       "loading included, evaluation not) divided by the optimiser steps, and times the steps of one epoch.\n";
  if (std::any_of(rows.begin(), rows.end(), [](const ComparedRun& r) { return r.runs > 1; }))
    s += "A row of several runs (--group: the runs given one label, seeds of one setting) shows their mean, ± half "
         "their range for nRMSE and RL2, and the number of runs.\n";
  return s;
}

std::string csv(const std::vector<ComparedRun>& rows) {
  std::string s =
      "run,directory,parameters,steps,ms_per_step,seconds_per_epoch,rmse,nrmse,rl2,brmse,frmse_low,frmse_mid,"
      "frmse_high,paper_nrmse,runs,nrmse_half_range,rl2_half_range,refused\n";
  for (const auto& r : rows) {
    const bool ok = r.refused.empty();
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},\"{}\"\n", r.label, r.run, r.parameters, r.steps,
                     ok ? csv_number(r.ms_per_step) : "", ok ? csv_number(r.seconds_per_epoch) : "",
                     csv_number(r.standard.rmse), csv_number(r.standard.nrmse), csv_number(r.standard.rl2),
                     csv_number(r.standard.brmse), csv_number(r.standard.frmse_low), csv_number(r.standard.frmse_mid),
                     csv_number(r.standard.frmse_high), csv_number(r.paper.nrmse), r.runs,
                     r.runs > 1 ? csv_number(r.nrmse_half_range) : "",  // one run has no spread
                     r.runs > 1 ? csv_number(r.rl2_half_range) : "", r.refused);
  }
  return s;
}

// One metrics.json section ("standard" / "paper"); a missing or null entry is NaN.
eval::Metrics metrics_from(const nlohmann::json& j) {
  const auto get = [&j](const char* name) { return j.contains(name) && j[name].is_number() ? j[name].get<double>() : NAN; };
  eval::Metrics m;
  m.rmse = get("rmse"), m.nrmse = get("nrmse"), m.rl2 = get("rl2"), m.crmse = get("crmse"), m.brmse = get("brmse");
  m.frmse_low = get("frmse_low"), m.frmse_mid = get("frmse_mid"), m.frmse_high = get("frmse_high");
  m.max_error = get("max_error");
  return m;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

// From log.csv (one row per epoch): the steps and training seconds (cumulative) of the last row, and
// the steps of one epoch where the log shows a whole one (the first row, when another follows it).
struct LogSummary {
  int64_t steps = 0, steps_per_epoch = 0;
  double seconds = NAN;
};
LogSummary read_log(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(split_csv_line(line));
  const auto cell = [&header](const std::vector<std::string>& row, const char* name) -> std::string {
    for (size_t i = 0; i < header.size() && i < row.size(); ++i)
      if (header[i] == name) return row[i];
    return "";
  };
  LogSummary log;
  if (rows.empty()) return log;
  if (const std::string v = cell(rows.back(), "step"); !v.empty()) log.steps = std::stoll(v);
  if (const std::string v = cell(rows.back(), "seconds"); !v.empty()) log.seconds = std::stod(v);
  if (const std::string v = cell(rows.front(), "step"); rows.size() >= 2 && !v.empty()) log.steps_per_epoch = std::stoll(v);
  return log;
}

// Standard-mode nRMSE per frame from along_time.csv (empty when the file is missing).
std::vector<double> nrmse_along_time(const std::string& path) {
  std::vector<double> out;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return out;
  const auto header = split_csv_line(line);
  const auto mode = std::find(header.begin(), header.end(), "mode") - header.begin();
  const auto nrmse = std::find(header.begin(), header.end(), "nrmse") - header.begin();
  while (std::getline(in, line)) {
    const auto cells = split_csv_line(line);
    if (static_cast<size_t>(std::max(mode, nrmse)) >= cells.size() || cells[mode] != "standard") continue;
    out.push_back(cells[nrmse].empty() ? NAN : std::stod(cells[nrmse]));
  }
  return out;
}

// A run's row from the files `mno train` / `mno eval` left in it: metrics.json (required),
// log.csv (steps and training time where metrics.json predates them), along_time.csv.
ComparedRun read_run(const std::string& run_dir, const std::string& label) {
  ComparedRun row;
  row.label = label;
  row.run = run_dir;
  const std::string metrics_file = run_dir + "/metrics.json";
  check(fs::exists(metrics_file), "no metrics.json: train the run to its end or `mno eval` it first");
  const auto j = nlohmann::json::parse(std::ifstream(metrics_file));
  row.dataset = dataset_of(j);
  row.standard = metrics_from(j.value("standard", nlohmann::json::object()));
  row.paper = metrics_from(j.value("paper", nlohmann::json::object()));
  row.parameters = j.value("parameters", int64_t{0});
  if (row.parameters == 0) {  // older metrics.json: the model line names them
    std::smatch m;
    const std::string model = j.value("model", std::string());
    if (std::regex_search(model, m, std::regex("with ([0-9]+) trainable parameters"))) row.parameters = std::stoll(m[1]);
  }
  // metrics.json of mno before 2026-12-01 has no steps, time or epoch length: log.csv has them.
  const LogSummary log = read_log(run_dir + "/log.csv");
  row.steps = j.value("steps", log.steps);
  const double seconds = j.value("train_seconds", log.seconds);
  const int64_t per_epoch = j.value("steps_per_epoch", log.steps_per_epoch);
  row.ms_per_step = row.steps > 0 ? 1e3 * seconds / static_cast<double>(row.steps) : NAN;
  row.seconds_per_epoch = per_epoch > 0 ? row.ms_per_step * static_cast<double>(per_epoch) / 1e3 : NAN;
  row.nrmse_along_time = nrmse_along_time(run_dir + "/along_time.csv");
  return row;
}

}  // namespace

Comparison compare_runs(const CompareOptions& o) {
  std::vector<std::string> labels = o.labels;
  if (labels.empty())
    for (const auto& r : o.runs) labels.push_back(directory_name(r));
  validate(o, labels);
  std::vector<std::string> drawn = o.heatmap;
  if (drawn.empty())
    for (size_t i = 0; i < std::min<size_t>(2, labels.size()); ++i) drawn.push_back(labels[i]);

  Comparison c;
  for (size_t i = 0; i < o.runs.size(); ++i) {
    try {
      c.rows.push_back(read_run(o.runs[i], labels[i]));
    } catch (const std::exception& e) {  // mno::Error, or a malformed file
      ComparedRun row;
      row.label = labels[i];
      row.run = o.runs[i];
      row.refused = first_line(e.what());
      log::warn("analyze compare: {}: {}", o.runs[i], row.refused);
      c.rows.push_back(row);
    }
  }
  check_one_dataset(c.rows);
  if (o.group) c.rows = group_by_label(c.rows);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  check(!ec, "analyze compare: --out: cannot create '{}': {}", o.out_dir, ec.message());

  // The heatmap row needs predictions: the chosen runs are evaluated again from their checkpoints
  // (each one's report goes into OUT/<label>/).
  struct Kept {
    std::string label;
    torch::Tensor truth, prediction;  // [H, W] (a point cloud: [N, 1])
    torch::Tensor points;             // a point cloud's [N, 2] positions of the sample; undefined on a grid
  };
  std::vector<Kept> kept;
  eval::FieldFrame frame;  // the data's domain (the runs' test samples are checked to be the same below)
  std::string heatmap_refused;
  for (const auto& label : drawn) {
    const size_t i = static_cast<size_t>(std::find(labels.begin(), labels.end(), label) - labels.begin());
    if (!fs::exists(RunPaths{o.runs[i]}.checkpoints())) {
      heatmap_refused = fmt::format("{} has no checkpoints/ to predict with", label);
      break;
    }
    try {
      const RunEvaluation e = evaluate_run(o.runs[i], "", "", false, 0, o.out_dir + "/" + label);
      const torch::Tensor& truth = e.evaluation.truth;
      if (!truth.defined() || o.sample >= truth.size(0)) {
        heatmap_refused = fmt::format("{} kept {} test sample(s) for plots (train.plot_samples), --sample {} needs {}",
                                      label, truth.defined() ? truth.size(0) : 0, o.sample, o.sample + 1);
        break;
      }
      const torch::Tensor& positions = e.evaluation.positions;  // scattered points: drawn as dots at them
      kept.push_back({label, last_frame(truth, o.sample), last_frame(e.evaluation.prediction, o.sample),
                      positions.defined() ? positions[o.sample] : torch::Tensor()});
      frame = e.frame;
    } catch (const std::exception& e) {
      heatmap_refused = fmt::format("{} could not be evaluated: {}", label, first_line(e.what()));
      break;
    }
  }

  c.markdown = table(c.rows);
  write_text_atomically(o.out_dir + "/compare.md", c.markdown);  // again below with the heatmaps' colour scales
  write_text_atomically(o.out_dir + "/compare.csv", csv(c.rows));
  c.written = {o.out_dir + "/compare.md", o.out_dir + "/compare.csv"};

  eval::LinePlot along{"Test nRMSE against time (standard mode)", "frame", "nRMSE", false, true, {}};
  for (const auto& r : c.rows) {
    if (r.nrmse_along_time.size() < 2) continue;  // steady data (one frame) or not evaluated
    eval::Series s{r.label, {}, r.nrmse_along_time};  // the given frames' zero error is not drawn on the log axis
    for (size_t t = 0; t < r.nrmse_along_time.size(); ++t) s.x.push_back(static_cast<double>(t));
    along.series.push_back(s);
  }
  if (!along.series.empty()) {
    eval::write_line_plot_png(o.out_dir + "/along_time.png", along);
    c.written.push_back(o.out_dir + "/along_time.png");
  }

  for (size_t k = 1; k < kept.size() && heatmap_refused.empty(); ++k)
    if (!kept[k].truth.sizes().equals(kept[0].truth.sizes()) || !torch::allclose(kept[k].truth, kept[0].truth) ||
        kept[k].points.defined() != kept[0].points.defined() ||
        (kept[0].points.defined() && !torch::equal(kept[k].points, kept[0].points)))
      heatmap_refused = fmt::format("{} and {} were evaluated on different test samples (another data file or stride)",
                                    kept[0].label, kept[k].label);
  if (!heatmap_refused.empty()) {
    log::warn("analyze compare: no heatmaps.png: {}", heatmap_refused);
  } else if (!kept.empty()) {
    // Truth and every prediction on one colour scale, every error on one scale symmetric about 0.
    const torch::Tensor& points = kept[0].points;
    std::vector<eval::Heatmap> panels{eval::field_heatmap("truth", kept[0].truth, frame, points)};
    for (const auto& k : kept) panels.push_back(eval::field_heatmap(k.label, k.prediction, frame, points));
    for (const auto& k : kept)
      panels.push_back(eval::field_heatmap("error = " + k.label + " − truth", k.prediction - k.truth, frame, points));
    std::vector<eval::Heatmap*> fields, errors;
    for (size_t i = 0; i < panels.size(); ++i) (i <= kept.size() ? fields : errors).push_back(&panels[i]);
    eval::share_colour_scales(fields, errors);
    eval::write_heatmaps_png(o.out_dir + "/heatmaps.png", panels,
                             fmt::format("test sample {}, last frame, channel 0", o.sample));
    c.written.push_back(o.out_dir + "/heatmaps.png");
    c.markdown += "\nheatmaps.png: " + eval::heatmaps_note(panels) + "\n";
    write_text_atomically(o.out_dir + "/compare.md", c.markdown);
  }
  return c;
}

}  // namespace mno::workflows
