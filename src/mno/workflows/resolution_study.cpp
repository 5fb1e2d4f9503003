#include "mno/workflows/resolution_study.h"

#include <cmath>
#include <filesystem>
#include <optional>

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

// One evaluation set: a file at one stride.
struct Column {
  std::string file, heading, tag;  // tag: the set's directory under OUT/<run>/
  bool point_cloud = false;
  int64_t stride = 1, side_x = 0, side_y = 0;
};

std::vector<Column> columns_of(const std::vector<std::string>& files, const std::vector<int64_t>& strides) {
  std::vector<Column> columns;
  std::optional<bool> clouds;
  for (const auto& file : files) {
    check(std::filesystem::exists(file), "analyze resolution: data file '{}' does not exist", file);
    const data::PdebenchInfo info = data::PdebenchReader(file).info();
    check(!clouds || *clouds == info.point_cloud,
          "analyze resolution: --data: {} is a {}, but {} is a {}: give grid files or point clouds, not both", file,
          info.point_cloud ? "point cloud" : "grid", files.front(), info.point_cloud ? "grid" : "point cloud");
    clouds = info.point_cloud;
    const std::string stem = std::filesystem::path(file).stem().string();
    if (info.point_cloud) {
      check(strides.size() == 1 && strides.front() == 1,
            "analyze resolution: --strides: {} is a point cloud of {} points, which has no grid to stride (expected 1; "
            "give files of other point counts instead)", file, info.nx);
      const auto n = static_cast<int64_t>(info.nx);
      columns.push_back({file, fmt::format("{} points", n), fmt::format("points{}", n), true, 1, n, 1});
      continue;
    }
    for (const int64_t s : strides) {
      check(s >= 1 && info.nx % static_cast<size_t>(s) == 0 && info.ny % static_cast<size_t>(s) == 0,
            "analyze resolution: --strides: {} does not divide the {}x{} grid of {}", s, info.nx, info.ny, file);
      const int64_t x = static_cast<int64_t>(info.nx) / s, y = static_cast<int64_t>(info.ny) / s;
      const bool several = files.size() > 1;
      columns.push_back({file, fmt::format("{}{}x{} (stride {})", several ? stem + " " : "", x, y, s),
                         several ? fmt::format("{}-stride{}", stem, s) : fmt::format("stride{}", s), false, s, x, y});
    }
  }
  return columns;
}

std::string table(const std::vector<ResolutionCell>& cells, const std::vector<Column>& columns,
                  const std::vector<std::string>& files) {
  std::string on;
  for (const auto& f : files) on += (on.empty() ? "`" : ", `") + f + "`";
  std::string s = fmt::format("Test-split nRMSE (relative L2 in brackets) of each run on {}{}:\n\n| run |", on,
                              columns.front().point_cloud ? "" : " at every S-th point");
  for (const auto& c : columns) s += " " + c.heading + " |";
  s += "\n|---|";
  for (size_t i = 0; i < columns.size(); ++i) s += "---:|";
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
      const std::string where =
          c.point_cloud ? fmt::format("{} points", c.side_x) : fmt::format("{} at stride {}", c.file, c.stride);
      s += fmt::format("{}{} on {}: {}\n", any ? "" : "\n¹ ", c.run, where, c.refused);
      any = true;
    }
  return s;
}

}  // namespace

ResolutionStudy analyze_resolution(const std::vector<std::string>& runs, const std::vector<std::string>& data_files,
                                   const std::vector<int64_t>& strides, const std::string& out_dir) {
  check(!runs.empty(), "analyze resolution: expected at least one run directory");
  check(!strides.empty(), "analyze resolution: expected at least one stride (--strides)");
  check(!data_files.empty(), "analyze resolution: expected the PDE file(s) to evaluate on (--data)");
  const std::vector<Column> columns = columns_of(data_files, strides);
  for (const auto& r : runs) check(std::filesystem::is_directory(r), "analyze resolution: run directory '{}' does not exist", r);

  ResolutionStudy study;
  Progress progress("analyze resolution", static_cast<int64_t>(runs.size() * columns.size()));
  for (const auto& r : runs) {
    for (const auto& column : columns) {
      ResolutionCell cell;
      cell.run = r;
      cell.file = column.file;
      cell.point_cloud = column.point_cloud;
      cell.stride = column.stride;
      cell.side_x = column.side_x;
      cell.side_y = column.side_y;
      const std::string dir = fmt::format("{}/{}/{}", out_dir, run_name(r), column.tag);
      try {
        const RunEvaluation e = evaluate_run(r, "", column.file, false, column.stride, dir);
        const eval::Metrics m = e.evaluation.standard.result();
        cell.nrmse = m.nrmse;
        cell.rl2 = m.rl2;
      } catch (const std::exception& e) {  // mno::Error from a layer or normaliser; c10::Error from torch
        cell.refused = first_line(e.what());
        log::warn("analyze resolution: {} on {}: {}", r, column.heading, cell.refused);
      }
      study.cells.push_back(cell);
      progress.advance(1);
    }
  }

  study.markdown = table(study.cells, columns, data_files);
  write_text_atomically(out_dir + "/resolution.md", study.markdown);
  std::string csv = "run,file,stride,height,width,nrmse,rl2,refused\n";
  for (const auto& c : study.cells)
    csv += fmt::format("{},{},{},{},{},{},{},\"{}\"\n", c.run, c.file, c.stride, c.side_x, c.side_y,
                       c.refused.empty() ? c.nrmse : NAN, c.refused.empty() ? c.rl2 : NAN, c.refused);
  write_text_atomically(out_dir + "/resolution.csv", csv);
  study.written = {out_dir + "/resolution.md", out_dir + "/resolution.csv"};

  const bool clouds = columns.front().point_cloud;
  eval::LinePlot plot{std::string("Zero-shot test nRMSE against the evaluation ") + (clouds ? "points" : "grid"),
                      clouds ? "points" : "points per side", "nRMSE", true, true, {}};
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
