#include "mno/workflows/resolution_study.h"

#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/progress.h"
#include "mno/data/pdebench_reader.h"
#include "mno/eval/line_plot.h"
#include "mno/workflows/evaluate_run.h"

namespace mno::workflows {
namespace {

std::string run_name(const std::string& run_dir) {
  auto p = std::filesystem::path(run_dir);
  if (p.filename().empty()) p = p.parent_path();  // "runs/a/" names itself "a"
  return p.filename().string();
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string table(const std::vector<ResolutionCell>& cells, const std::vector<int64_t>& strides,
                  const std::string& data_file) {
  std::map<int64_t, std::string> heading;
  for (const auto& c : cells) heading[c.stride] = fmt::format("{}x{}", c.side_x, c.side_y);
  std::string s = fmt::format("Test-split nRMSE (relative L2 in brackets) of each run on `{}` at every S-th point:\n\n| run |",
                              data_file);
  for (const int64_t stride : strides) s += fmt::format(" {} (stride {}) |", heading[stride], stride);
  s += "\n|---|";
  for (size_t i = 0; i < strides.size(); ++i) s += "---:|";
  s += "\n";
  std::string current;
  for (const auto& c : cells) {
    if (c.run != current) {
      if (!current.empty()) s += "\n";
      current = c.run;
      s += "| " + c.run + " |";
    }
    s += c.refused.empty() ? fmt::format(" {:.4g} ({:.4g}) |", c.nrmse, c.rl2) : " refused¹ |";
  }
  s += "\n";
  bool any = false;
  for (const auto& c : cells)
    if (!c.refused.empty()) {
      s += fmt::format("{}{} at stride {}: {}\n", any ? "" : "\n¹ ", c.run, c.stride, c.refused);
      any = true;
    }
  return s;
}

}  // namespace

ResolutionStudy analyze_resolution(const std::vector<std::string>& runs, const std::string& data_file,
                                   const std::vector<int64_t>& strides, const std::string& out_dir) {
  check(!runs.empty(), "analyze resolution: expected at least one run directory");
  check(!strides.empty(), "analyze resolution: expected at least one stride (--strides)");
  check(!data_file.empty(), "analyze resolution: expected the PDE file to evaluate on (--data)");
  check(std::filesystem::exists(data_file), "analyze resolution: data file '{}' does not exist", data_file);
  const data::PdebenchInfo info = data::PdebenchReader(data_file).info();
  for (const int64_t s : strides)
    check(s >= 1 && info.nx % static_cast<size_t>(s) == 0 && info.ny % static_cast<size_t>(s) == 0,
          "analyze resolution: --strides: {} does not divide the {}x{} grid of {}", s, info.nx, info.ny, data_file);
  for (const auto& r : runs) check(std::filesystem::is_directory(r), "analyze resolution: run directory '{}' does not exist", r);

  ResolutionStudy study;
  Progress progress("analyze resolution", static_cast<int64_t>(runs.size() * strides.size()));
  for (const auto& r : runs) {
    for (const int64_t stride : strides) {
      ResolutionCell cell;
      cell.run = r;
      cell.stride = stride;
      cell.side_x = static_cast<int64_t>(info.nx) / stride;
      cell.side_y = static_cast<int64_t>(info.ny) / stride;
      const std::string dir = fmt::format("{}/{}/stride{}", out_dir, run_name(r), stride);
      try {
        const RunEvaluation e = evaluate_run(r, "", data_file, false, stride, dir);
        const eval::Metrics m = e.evaluation.standard.result();
        cell.nrmse = m.nrmse;
        cell.rl2 = m.rl2;
      } catch (const std::exception& e) {  // mno::Error from a layer or normaliser; c10::Error from torch
        cell.refused = first_line(e.what());
        log::warn("analyze resolution: {} at stride {}: {}", r, stride, cell.refused);
      }
      study.cells.push_back(cell);
      progress.advance(1);
    }
  }

  study.markdown = table(study.cells, strides, data_file);
  write_text_atomically(out_dir + "/resolution.md", study.markdown);
  std::string csv = "run,stride,height,width,nrmse,rl2,refused\n";
  for (const auto& c : study.cells)
    csv += fmt::format("{},{},{},{},{},{},\"{}\"\n", c.run, c.stride, c.side_x, c.side_y, c.refused.empty() ? c.nrmse : NAN,
                       c.refused.empty() ? c.rl2 : NAN, c.refused);
  write_text_atomically(out_dir + "/resolution.csv", csv);
  study.written = {out_dir + "/resolution.md", out_dir + "/resolution.csv"};

  eval::LinePlot plot{"Zero-shot test nRMSE against the evaluation grid", "points per side", "nRMSE", true, true, {}};
  for (const auto& r : runs) {
    eval::Series s{run_name(r), {}, {}};
    for (const auto& c : study.cells)
      if (c.run == r && c.refused.empty() && c.nrmse > 0) s.x.push_back(static_cast<double>(c.side_x)), s.y.push_back(c.nrmse);
    if (!s.x.empty()) plot.series.push_back(s);
  }
  if (!plot.series.empty()) {
    eval::write_line_plot_png(out_dir + "/resolution.png", plot);
    study.written.push_back(out_dir + "/resolution.png");
  }
  return study;
}

}  // namespace mno::workflows
