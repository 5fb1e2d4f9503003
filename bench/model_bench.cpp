#include "bench/model_bench.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "bench/memory.h"
#include "bench/shipped_configs.h"
#include "bench/timing.h"
#include "mno/core/config.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/models/neural_operator.h"
#include "mno/core/autocast.h"
#include "mno/nn/parameter_counts.h"
#include "mno/train/fused_adam.h"

namespace mno::bench {

// at::globalContext()'s fp32 matmul precision while it lives ("highest" = fp32, "high" = TF32 allowed).
class MatmulPrecision {
 public:
  explicit MatmulPrecision(const std::string& precision) { at::globalContext().setFloat32MatmulPrecision(precision); }
  ~MatmulPrecision() { at::globalContext().setFloat32MatmulPrecision("highest"); }
  MatmulPrecision(const MatmulPrecision&) = delete;
  MatmulPrecision& operator=(const MatmulPrecision&) = delete;
};

ModelBenchRow measure_model(const std::string& path, const ModelBenchOptions& o, const torch::Device& device) {
  // Counting starts before the model exists, so that its parameters are among the bytes counted.
  PeakMemory peak(device);
  const Config config = Config::load_file(path);
  YAML::Node model_yaml = config.root().yaml()["model"];
  // The spectral layers (GT's regressor, FNO) keep at most ~side/2 modes, so small grids
  // (--quick, the scaling bench's smallest sides) still hold them with fewer modes; the row says so.
  const std::string name = model_yaml["name"].IsDefined() ? model_yaml["name"].as<std::string>() : "";
  std::string changed;
  if (o.side < 28 && (name == "gt" || name == "fno")) {
    const int64_t modes = std::max<int64_t>(1, o.side / 2 - 2);
    const std::string from = model_yaml["modes"].IsDefined() ? model_yaml["modes"].as<std::string>() : "its default";
    if (from != std::to_string(modes)) {
      const int64_t as_configured = nn::count_parameters(*models::make_model(config.root().child("model"))).trainable;
      changed = fmt::format("{} modes {} -> {} for the {} × {} grid ({} trainable parameters as configured)", name, from,
                            modes, o.side, o.side, as_configured);
    }
    model_yaml["modes"] = modes;
  }
  auto model = models::make_model(config.root().child("model"));
  model->to(device);
  const int64_t L = o.side * o.side;
  const auto axis = torch::linspace(0, 1, o.side);
  const auto pos = torch::stack(torch::meshgrid({axis, axis}, "ij"), -1).reshape({1, L, 2}).expand({o.batch, L, 2}).to(device);
  const auto features = torch::randn({o.batch, L, model->in_channels()}).to(device);
  const auto target = torch::randn({o.batch, L, model->out_channels()}).to(device);
  const models::TokenGrid grid{o.side, o.side};
  // The optimiser `mno train` runs: AdamW with LibTorch's fused step where it has one.
  train::FusedAdamW optimiser({torch::optim::OptimizerParamGroup(model->parameters())},
                              torch::optim::AdamWOptions(1e-3).weight_decay(5e-6));
  // fp32, or the opt-in modes (extra rows, never inside the fp32 comparisons): tf32 lets cuBLAS
  // use TF32 tensor cores for fp32 matmuls; bf16 runs the forward under bf16 autocast exactly as
  // `mno train` with train.bf16 does (Trainer::batch_loss): the output cast back to fp32, the loss,
  // the backward and the optimiser step outside the autocast scope.
  const MatmulPrecision matmul_precision(o.precision == "tf32" ? "high" : "highest");
  const bool bf16 = o.precision == "bf16";
  const auto predict = [&] {
    compat::CudaBf16Autocast autocast(bf16);
    return model->forward(features, pos, grid).to(torch::kFloat);
  };
  const auto forward = [&] {
    torch::NoGradGuard no_grad;
    predict();
  };
  const auto forward_backward = [&] {
    model->zero_grad();
    torch::mse_loss(predict(), target).backward();
  };
  const auto train_step = [&] {
    optimiser.zero_grad();
    torch::mse_loss(predict(), target).backward();
    optimiser.step();
  };
  const bool cuda = device.is_cuda();
  const Clock clock = wall_clock(cuda);
  ModelBenchRow row;
  row.forward_ms = median_ms(forward, 1, o.repeats, clock);
  row.forward_backward_ms = median_ms(forward_backward, 1, o.repeats, clock);
  row.train_step_ms = median_ms(train_step, 1, o.repeats, clock);
  peak.start();
  train_step();
  row.peak_bytes = peak.peak_bytes();
  row.changed = changed;
  if (!o.trace.empty()) {
    row.trace_path = trace_path_for(o.trace, path, o.configs.empty() ? 9 : o.configs.size());
    row.trace = trace_steps(train_step, o.trace_steps, device, row.trace_path);
  }
  row.config = path;
  const YAML::Node mixer = static_cast<const YAML::Node&>(model_yaml)["mixer"];
  row.model = model->name() + (mixer.IsDefined() && mixer.IsMap() && mixer["type"] ? " / " + mixer["type"].as<std::string>() : "");
  if (o.precision != "fp32") row.model += " [" + o.precision + "]";
  row.parameters = nn::count_parameters(*model).trainable;
  return row;
}

std::string trace_path_for(const std::string& trace, const std::string& config_path, size_t configs) {
  if (configs <= 1) return trace;
  const std::filesystem::path t(trace);
  const std::string stem = std::filesystem::path(config_path).stem().string();
  return (t.parent_path() / (t.stem().string() + "." + stem + t.extension().string())).string();
}

std::vector<std::string> default_model_bench_configs(const std::string& source_dir) {
  std::vector<std::string> paths;
  for (const auto* name : {"gnot_linear", "gnot_softmax", "gnot_mamba", "gt_galerkin", "gt_softmax", "gt_mamba",
                           "oformer_galerkin", "oformer_softmax", "oformer_mamba"})
    paths.push_back(fmt::format("{}/configs/darcy/{}.yaml", source_dir, name));
  return paths;
}

ModelBenchReport run_model_bench(const ModelBenchOptions& options) {
  ModelBenchReport report{options, {}};
  ModelBenchOptions& o = report.options;
  if (o.quick) o.batch = 1, o.side = 16, o.repeats = 1;
  // The configs first (the defaults are found from the executable, whatever the working directory).
  const auto configs = o.configs.empty() ? default_model_bench_configs(shipped_configs_root()) : o.configs;
  for (const auto& path : configs) check(std::filesystem::exists(path), "bench model: config '{}' does not exist", path);
  check(o.device == "cpu" || o.device == "cuda", "bench model: --device must be cpu or cuda, found '{}'", o.device);
  check(o.device == "cpu" || torch::cuda::is_available(), "bench model: --device cuda, but CUDA is not available here");
  check(o.precision == "fp32" || o.precision == "tf32" || o.precision == "bf16",
        "bench model: --precision must be fp32, tf32 or bf16, found '{}'", o.precision);
  check(o.precision == "fp32" || o.device == "cuda", "bench model: --precision {} needs --device cuda (it is a GPU "
        "tensor-core mode); the CPU runs fp32", o.precision);
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  Progress progress("bench model", static_cast<int64_t>(configs.size()));
  for (const auto& path : configs) {
    report.rows.push_back(measure_model(path, o, device));
    progress.advance(1);
  }
  return report;
}

std::string model_bench_markdown(const ModelBenchReport& report, const MachineInfo& machine, const std::string& command) {
  const ModelBenchOptions& o = report.options;
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  std::string s = fmt::format("`{}` — {}, {}LibTorch {}, {}; batch {}, {} × {}, {}, median of {}; peak memory of "
                              "one AdamW step: {}\n\n",
                              command, device_name(device),
                              device.is_cuda() ? "" : fmt::format("{} threads, ", machine.threads), machine.torch_version,
                              machine.date, o.batch, o.side, o.side,
                              o.precision == "fp32"   ? "fp32"
                              : o.precision == "tf32" ? "fp32 with TF32 matmuls"
                                                      : "bf16 autocast (as train.bf16)",
                              o.repeats, "all allocated bytes (parameters, gradients, optimiser state, activations)");
  if (o.quick) {
    const ModelBenchOptions full;
    s += fmt::format("quick: batch {}, grid {} × {}, {} repeat (a full run: batch {}, {} × {}, {} repeats).\n\n", o.batch,
                     o.side, o.side, o.repeats, full.batch, full.side, full.side, full.repeats);
  }
  s += "| config | model / mixer | parameters | forward ms | forward+backward ms | AdamW step ms | peak memory |\n";
  s += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : report.rows)
    s += fmt::format("| {} | {} | {} | {:.1f} | {:.1f} | {:.1f} | {} |\n", r.config, r.model, r.parameters, r.forward_ms,
                     r.forward_backward_ms, r.train_step_ms, format_megabytes(r.peak_bytes));
  // What the bench changed from a config to run it at this grid: its parameter count is not the config's.
  std::string changes;
  for (const auto& r : report.rows)
    if (!r.changed.empty()) changes += fmt::format("- {}: {}\n", r.config, r.changed);
  if (!changes.empty()) s += "\nChanged from the configs for this grid (parameters counted as run):\n\n" + changes;
  for (const auto& r : report.rows)
    if (!r.trace_path.empty())
      s += "\n" + step_trace_markdown(r.trace, fmt::format("Trace of {} ({}): {}", r.config, r.model, r.trace_path));
  return s;
}

std::string model_bench_json(const ModelBenchReport& report, const MachineInfo& m, const std::string& command) {
  const ModelBenchOptions& o = report.options;
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  nlohmann::ordered_json json = {{"command", command},         {"device", device_name(device)},
                                 {"threads", m.threads},        {"torch", m.torch_version},
                                 {"date", m.date},              {"batch", o.batch},
                                 {"side", o.side},              {"repeats", o.repeats},
                                 {"precision", o.precision}};
  json["rows"] = nlohmann::ordered_json::array();
  for (const auto& r : report.rows) {
    nlohmann::ordered_json row = {{"config", r.config},
                                  {"model", r.model},
                                  {"parameters", r.parameters},
                                  {"forward_ms", r.forward_ms},
                                  {"forward_backward_ms", r.forward_backward_ms},
                                  {"train_step_ms", r.train_step_ms},
                                  {"peak_bytes", r.peak_bytes}};
    if (!r.changed.empty()) row["changed"] = r.changed;
    if (!r.trace_path.empty()) {
      row["trace"] = {{"file", r.trace_path}, {"steps", r.trace.steps}, {"window_ms", r.trace.window_ms},
                      {"busy_ms", r.trace.busy_ms}, {"launches", r.trace.launches}};
      auto& top = row["trace"]["top"] = nlohmann::ordered_json::array();
      for (size_t i = 0; i < std::min<size_t>(15, r.trace.top.size()); ++i)
        top.push_back({{"name", r.trace.top[i].name}, {"calls", r.trace.top[i].calls}, {"ms", r.trace.top[i].total_ms}});
    }
    json["rows"].push_back(row);
  }
  return json.dump(2) + "\n";
}

}  // namespace mno::bench
