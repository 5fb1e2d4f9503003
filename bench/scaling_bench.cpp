#include "bench/scaling_bench.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bench/memory.h"
#include "bench/model_bench.h"
#include "bench/shipped_configs.h"
#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/progress.h"
#include "mno/eval/line_plot.h"

namespace mno::bench {
namespace {

bool is_out_of_memory(const std::exception& e) {
  const std::string what = e.what();
  return what.find("out of memory") != std::string::npos || what.find("std::bad_alloc") != std::string::npos;
}

// The config at one side: the asked batch, halved after each out-of-memory down to 1.
ScalingCell measure_cell(const std::string& path, const ScalingBenchOptions& o, int64_t side, const torch::Device& device) {
  ModelBenchOptions m;
  m.device = o.device;
  m.side = side;
  m.repeats = o.repeats;
  ScalingCell cell;
  cell.config = path;
  cell.side = side;
  for (int64_t batch = o.batch; batch >= 1; batch /= 2) {
    m.batch = batch;
    try {
      const ModelBenchRow row = measure_model(path, m, device);
      cell.model = row.model;
      cell.batch = batch;
      cell.forward_ms = row.forward_ms;
      cell.train_step_ms = row.train_step_ms;
      cell.peak_bytes = row.peak_bytes;
      return cell;
    } catch (const std::bad_alloc& e) {
      log::warn("bench scaling: {} at {}² with batch {}: out of host memory", path, side, batch);
    } catch (const c10::Error& e) {
      if (!is_out_of_memory(e)) throw;
      log::warn("bench scaling: {} at {}² with batch {}: out of memory", path, side, batch);
    }
    release_cached_memory(device);
  }
  cell.out_of_memory = true;
  cell.batch = 1;
  return cell;
}

std::string config_stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

double per_sample(double value, int64_t batch) { return value / static_cast<double>(batch); }

}  // namespace

double log_log_slope(const std::vector<double>& x, const std::vector<double>& y, size_t points) {
  check(x.size() == y.size(), "log_log_slope: x and y differ in length ({} vs {})", x.size(), y.size());
  std::vector<std::pair<double, double>> p;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) p.emplace_back(std::log(x[i]), std::log(y[i]));
  if (p.size() > points) p.erase(p.begin(), p.end() - static_cast<std::ptrdiff_t>(points));
  if (p.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (const auto& [a, b] : p) mx += a, my += b;
  mx /= static_cast<double>(p.size()), my /= static_cast<double>(p.size());
  double sxy = 0, sxx = 0;
  for (const auto& [a, b] : p) sxy += (a - mx) * (b - my), sxx += (a - mx) * (a - mx);
  return sxx > 0 ? sxy / sxx : std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::string> default_scaling_configs(const std::string& source_dir) {
  std::vector<std::string> paths;
  for (const auto* name : {"gt_mamba", "gt_galerkin", "gt_softmax", "gnot_mamba", "gnot_linear", "gnot_softmax", "fno"})
    paths.push_back(fmt::format("{}/configs/darcy/{}.yaml", source_dir, name));
  return paths;
}

ScalingBenchReport run_scaling_bench(const ScalingBenchOptions& options) {
  ScalingBenchReport report{options, {}, {}};
  ScalingBenchOptions& o = report.options;
  check(o.device == "cpu" || o.device == "cuda", "bench scaling: --device must be cpu or cuda, found '{}'", o.device);
  check(o.device == "cpu" || torch::cuda::is_available(), "bench scaling: --device cuda, but CUDA is not available here");
  check(o.batch >= 1 && o.repeats >= 1, "bench scaling: --batch and --repeats must be positive");
  if (o.quick) {
    // Tiny sides and one timed run: a first call's warm-up cost would predict absurd times, so
    // the smoke run never skips a side.
    o.batch = 1, o.repeats = 1, o.max_step_seconds = std::numeric_limits<double>::infinity();
    if (o.sides.empty()) o.sides = {8, 16};
    if (o.configs.empty())
      for (const auto* name : {"gt_mamba", "gt_galerkin", "fno"})
        o.configs.push_back(fmt::format("{}/configs/darcy/{}.yaml", shipped_configs_root(), name));
  }
  if (o.configs.empty()) o.configs = default_scaling_configs(shipped_configs_root());
  if (o.sides.empty()) o.sides = o.device == "cuda" ? std::vector<int64_t>{32, 64, 128, 256} : std::vector<int64_t>{16, 32, 64};
  std::sort(o.sides.begin(), o.sides.end());
  for (const int64_t side : o.sides) check(side >= 4 && side <= 1024, "bench scaling: --sides: each side must be in [4, 1024], found {}", side);
  for (const auto& path : o.configs) check(std::filesystem::exists(path), "bench scaling: config '{}' does not exist", path);
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);

  Progress progress("bench scaling", static_cast<int64_t>(o.configs.size() * o.sides.size()));
  for (const auto& path : o.configs) {
    bool exhausted = false;  // once batch 1 does not fit, larger sides will not either
    std::optional<ScalingCell> previous;  // the last side that ran
    for (const int64_t side : o.sides) {
      ScalingCell cell;
      cell.config = path, cell.side = side, cell.batch = 1;
      cell.model = previous ? previous->model : "";
      const double predicted_s =
          previous ? per_sample(previous->train_step_ms, previous->batch) * static_cast<double>(o.batch) *
                         std::pow(static_cast<double>(side * side) / static_cast<double>(previous->side * previous->side), 2) / 1e3
                   : 0.0;
      if (exhausted) {
        cell.out_of_memory = true;
      } else if (predicted_s > o.max_step_seconds) {
        cell.skipped_predicted_s = predicted_s;
        log::info("bench scaling: {} at {}² skipped: its step is predicted to take {:.0f} s (--max-step-seconds {})",
                  path, side, predicted_s, o.max_step_seconds);
      } else {
        cell = measure_cell(path, o, side, device);
      }
      exhausted = cell.out_of_memory;
      report.cells.push_back(cell);
      if (!cell.out_of_memory && cell.skipped_predicted_s == 0) previous = cell;
      progress.advance(1);
    }
  }
  // Fit over the three largest sides that ran: small GPU sides measure launch latency, not L.
  for (const auto& path : o.configs) {
    std::vector<double> L, time, memory;
    ScalingFit fit;
    fit.config = path;
    for (const auto& c : report.cells) {
      if (c.config != path) continue;
      if (fit.model.empty()) fit.model = c.model;
      if (c.out_of_memory || c.skipped_predicted_s > 0) continue;
      L.push_back(static_cast<double>(c.side * c.side));
      time.push_back(per_sample(c.train_step_ms, c.batch));
      memory.push_back(c.peak_bytes > 0 ? per_sample(static_cast<double>(c.peak_bytes), c.batch) : 0.0);
    }
    fit.points = static_cast<int>(std::min<size_t>(3, L.size()));
    fit.time_slope = log_log_slope(L, time, 3);
    fit.memory_slope = log_log_slope(L, memory, 3);
    report.fits.push_back(fit);
  }
  return report;
}

std::string scaling_bench_markdown(const ScalingBenchReport& report, const MachineInfo& machine, const std::string& command) {
  const ScalingBenchOptions& o = report.options;
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  std::string s = fmt::format(
      "`{}` — {}, {}LibTorch {}, {}; fp32, batch {} (halved where it ran out of memory), median of {}; peak memory of "
      "one AdamW step: {}\n\n",
      command, device_name(device), device.is_cuda() ? "" : fmt::format("{} threads, ", machine.threads),
      machine.torch_version, machine.date, o.batch, o.repeats,
      "all allocated bytes (parameters, gradients, optimiser state, activations)");
  s += "| config | model / mixer | side | L | batch | forward ms | AdamW step ms | step ms / sample | peak memory |\n";
  s += "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& c : report.cells) {
    if (c.out_of_memory) {
      s += fmt::format("| {} | {} | {} | {} | 1 | out of memory | out of memory | | |\n", config_stem(c.config), c.model,
                       c.side, c.side * c.side);
      continue;
    }
    if (c.skipped_predicted_s > 0) {
      s += fmt::format("| {} | {} | {} | {} | | skipped | predicted {:.0f} s | | |\n", config_stem(c.config), c.model,
                       c.side, c.side * c.side, c.skipped_predicted_s);
      continue;
    }
    s += fmt::format("| {} | {} | {} | {} | {} | {:.2f} | {:.2f} | {:.3f} | {} |\n", config_stem(c.config), c.model,
                     c.side, c.side * c.side, c.batch, c.forward_ms, c.train_step_ms,
                     per_sample(c.train_step_ms, c.batch), format_megabytes(c.peak_bytes));
  }
  s += "\nLog-log slopes against L (per sample, fitted over the largest sides that ran; 1 = linear, 2 = quadratic):\n\n";
  s += "| config | model / mixer | sides fitted | time slope | memory slope |\n|---|---|---:|---:|---:|\n";
  const auto slope = [](double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : std::string("n/a"); };
  for (const auto& f : report.fits)
    s += fmt::format("| {} | {} | {} | {} | {} |\n", config_stem(f.config), f.model, f.points, slope(f.time_slope),
                     slope(f.memory_slope));
  return s;
}

void write_scaling_files(const ScalingBenchReport& report, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  check(!ec, "bench scaling: --out: cannot create '{}': {}", out_dir, ec.message());
  std::string csv = "config,model,side,L,batch,out_of_memory,skipped_predicted_s,forward_ms,train_step_ms,peak_bytes\n";
  for (const auto& c : report.cells)
    csv += fmt::format("{},{},{},{},{},{},{:.1f},{:.4f},{:.4f},{}\n", config_stem(c.config), c.model, c.side,
                       c.side * c.side, c.batch, c.out_of_memory ? 1 : 0, c.skipped_predicted_s, c.forward_ms,
                       c.train_step_ms, c.peak_bytes);
  write_text_atomically(out_dir + "/scaling.csv", csv);

  eval::LinePlot time{"AdamW step time per sample vs points", "points L", "ms per sample", true, true, {}};
  eval::LinePlot memory{"Peak memory per sample vs points", "points L", "MB per sample", true, true, {}};
  for (const auto& f : report.fits) {
    eval::Series t{config_stem(f.config), {}, {}}, m{config_stem(f.config), {}, {}};
    for (const auto& c : report.cells) {
      if (c.config != f.config || c.out_of_memory || c.skipped_predicted_s > 0) continue;
      const double L = static_cast<double>(c.side * c.side);
      t.x.push_back(L), t.y.push_back(per_sample(c.train_step_ms, c.batch));
      if (c.peak_bytes > 0) m.x.push_back(L), m.y.push_back(per_sample(static_cast<double>(c.peak_bytes) / 1e6, c.batch));
    }
    if (!t.x.empty()) time.series.push_back(t);
    if (!m.x.empty()) memory.series.push_back(m);
  }
  if (!time.series.empty()) eval::write_line_plot_png(out_dir + "/scaling_time.png", time);
  if (!memory.series.empty()) eval::write_line_plot_png(out_dir + "/scaling_memory.png", memory);
}

}  // namespace mno::bench
