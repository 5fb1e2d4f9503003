// mno bench scan [--device cpu|cuda] [--json FILE] [--repeats N] [--composed-repeats N] [--no-composed] [--quick]
// mno bench data [--samples N] [--resolution N] [--dir DIR] [--quick]
// mno bench layer [--device cpu|cuda] [--repeats N] [--quick]
// mno bench ssm [--device cpu|cuda] [--repeats N] [--quick]
// mno bench model [CONFIG ...] [--device cpu|cuda] [--batch N] [--side N] [--repeats N] [--quick] [--json FILE]
//                 [--trace FILE] [--trace-steps N] [--precision fp32|tf32]
// mno bench scaling [CONFIG ...] [--device cpu|cuda] [--sides 32,64,...] [--batch N] [--repeats N] [--max-step-seconds S] [--out DIR] [--quick]
#include <fmt/format.h>

#include "bench/data_bench.h"
#include "bench/layer_bench.h"
#include "bench/model_bench.h"
#include "bench/scaling_bench.h"
#include "bench/scan_bench.h"
#include "bench/scan_bench_cuda.h"
#include "bench/shipped_configs.h"
#include "bench/ssm_bench.h"
#include "mno/cli/commands.h"
#include "mno/core/atomic_file.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"

namespace mno::cli {
namespace {

// Prints the table; writes the JSON too when --json named a file.
void report(const std::string& markdown, const std::string& json, const std::string& json_path) {
  fmt::print("{}", markdown);
  if (json_path.empty()) return;
  write_text_atomically(json_path, json);
  log::info("wrote {}", json_path);
}

// The output policy (core/output_policy.h) for --json, before any measuring: a bench that ran
// for minutes never fails at the end on a directory or an existing file.
void check_json(const std::string& json_path, bool overwrite, const std::vector<std::string>& configs = {}) {
  if (json_path.empty()) return;
  OutputSpec out{json_path, OutputKind::file, "--json", overwrite, {}};
  for (const auto& c : configs) out.inputs.push_back({"the config", c});
  check_output(out);
}

void add_overwrite_flag(CLI::App& cmd, bool& overwrite) {
  cmd.add_flag("--overwrite", overwrite, "replace existing output files");
}

void add_scan_table(CLI::App& bench, Action& action) {
  auto* scan = bench.add_subcommand("scan", "The selective scan: fused kernel vs the same maths composed from LibTorch ops");
  auto opts = std::make_shared<bench::ScanBenchOptions>();
  auto json = std::make_shared<std::string>();
  auto composed = std::make_shared<bool>(false);
  auto overwrite = std::make_shared<bool>(false);
  scan->add_option("--device", opts->device, "cpu or cuda")->capture_default_str();
  scan->add_option("--json", *json, "also write the results as JSON to this file");
  add_overwrite_flag(*scan, *overwrite);
  scan->add_option("--repeats", opts->repeats, "timed runs of the fused op")->capture_default_str()->check(CLI::PositiveNumber);
  scan->add_option("--composed-repeats", opts->composed_repeats, "timed runs of the composed version")
      ->capture_default_str()->check(CLI::PositiveNumber);
  scan->add_flag("--no-composed", *composed, "skip the (slow) composed version");
  scan->add_flag("--quick", opts->quick, "small shapes: a smoke run of a few seconds");
  scan->add_option("--only", opts->only, "CUDA: only the cases whose name starts with this, e.g. '(b)'");
  scan->add_option("--dtype", opts->dtype, "CUDA: only fp32 or only bf16")->check(CLI::IsMember({"fp32", "bf16"}));
  scan->callback([&action, opts, json, composed, overwrite] {
    action = [opts, json, composed, overwrite] {
      check_json(*json, *overwrite);
      opts->composed = !*composed;
      const std::string command = fmt::format("mno bench scan --device {}{}{}", opts->device, opts->quick ? " --quick" : "",
                                              opts->composed ? "" : " --no-composed");
      if (opts->device == "cuda") {
        const auto cuda = bench::run_scan_bench_cuda(*opts, command);
        report(cuda.markdown, cuda.json, *json);
        return 0;
      }
      const auto rows = bench::run_scan_bench(*opts);
      const auto machine = bench::machine_info();
      report(bench::scan_bench_markdown(rows, machine, command),
             json->empty() ? std::string() : bench::scan_bench_json(rows, machine, command), *json);
      return 0;
    };
  });
}

void add_data_table(CLI::App& bench, Action& action) {
  auto* data = bench.add_subcommand("data", "PDE data: generation samples/s per PDE and strided read MB/s");
  auto opts = std::make_shared<bench::DataBenchOptions>();
  data->add_option("--samples", opts->samples, "samples per PDE")->capture_default_str()->check(CLI::PositiveNumber);
  data->add_option("--resolution", opts->resolution, "grid side")->capture_default_str()->check(CLI::Range(4, 4096));
  data->add_option("--dir", opts->directory, "where the temporary files go (default: the system temp directory)");
  data->add_flag("--quick", opts->quick, "2 samples at 32 × 32: a smoke run");
  data->callback([&action, opts] {
    action = [opts] {
      const std::string command = opts->quick ? "mno bench data --quick"
                                              : fmt::format("mno bench data --samples {} --resolution {}", opts->samples,
                                                            opts->resolution);
      const auto rows = bench::run_data_bench(*opts);
      fmt::print("{}", bench::data_bench_markdown(rows, bench::machine_info(), command));
      return 0;
    };
  });
}

void add_layer_table(CLI::App& bench, Action& action) {
  auto* layer = bench.add_subcommand("layer", "The SS2D layer: fused vs the authors' composition, time and peak memory");
  auto opts = std::make_shared<bench::LayerBenchOptions>();
  layer->add_option("--device", opts->device, "cpu or cuda")->capture_default_str();
  layer->add_option("--repeats", opts->repeats, "timed runs (median)")->capture_default_str()->check(CLI::PositiveNumber);
  layer->add_flag("--quick", opts->quick, "D 96, batch 1, 16 × 16, one run: a smoke test");
  layer->callback([&action, opts] {
    action = [opts] {
      const std::string command = fmt::format("mno bench layer --device {}{}", opts->device, opts->quick ? " --quick" : "");
      fmt::print("{}", bench::layer_bench_markdown(bench::run_layer_bench(*opts), *opts, command));
      return 0;
    };
  });
}

void add_model_table(CLI::App& bench, Action& action) {
  auto* model = bench.add_subcommand("model", "Whole models: forward, forward+backward and an AdamW step, side by side");
  auto opts = std::make_shared<bench::ModelBenchOptions>();
  model->add_option("configs", opts->configs,
                    "model configs (default: configs/darcy/{gnot,gt,oformer}_{attention,softmax,mamba}.yaml)");
  model->add_option("--device", opts->device, "cpu or cuda")->capture_default_str();
  model->add_option("--batch", opts->batch, "batch size")->capture_default_str()->check(CLI::PositiveNumber);
  model->add_option("--side", opts->side, "grid side (L = side²)")->capture_default_str()->check(CLI::PositiveNumber);
  model->add_option("--repeats", opts->repeats, "timed runs (median)")->capture_default_str()->check(CLI::PositiveNumber);
  model->add_flag("--quick", opts->quick, "batch 1, 16 × 16, one run: a smoke test");
  auto json = std::make_shared<std::string>();
  auto overwrite = std::make_shared<bool>(false);
  model->add_option("--json", *json, "also write the results as JSON to this file");
  add_overwrite_flag(*model, *overwrite);
  model->add_option("--trace", opts->trace,
                    "trace AdamW steps with LibTorch's profiler: Chrome trace(s) here (one config: this file; several: "
                    "FILE's stem + '.<config>' + its extension), top kernels/ops printed under the table");
  model->add_option("--precision", opts->precision,
                    "fp32 (default), tf32 (TF32 tensor cores for fp32 matmuls) or bf16 (the forward under bf16 "
                    "autocast, as train.bf16); tf32 and bf16 on CUDA only")
      ->capture_default_str();
  model->add_option("--trace-steps", opts->trace_steps, "steps traced per config")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  model->callback([&action, opts, json, overwrite] {
    action = [opts, json, overwrite] {
      check_json(*json, *overwrite, opts->configs);
      if (!opts->trace.empty()) {
        const auto configs = opts->configs.empty() ? bench::default_model_bench_configs(bench::shipped_configs_root())
                                                   : opts->configs;
        for (const auto& config : configs)
          check_output({bench::trace_path_for(opts->trace, config, configs.size()), OutputKind::file, "--trace",
                        *overwrite, {{"the config", config}}});
      }
      const std::string command = fmt::format("mno bench model --device {}{}{}", opts->device,
                                              opts->precision == "fp32" ? "" : " --precision " + opts->precision,
                                              opts->quick ? " --quick" : "");
      const auto result = bench::run_model_bench(*opts);
      const auto machine = bench::machine_info();
      report(bench::model_bench_markdown(result, machine, command),
             json->empty() ? std::string() : bench::model_bench_json(result, machine, command), *json);
      return 0;
    };
  });
}

void add_ssm_table(CLI::App& bench, Action& action) {
  auto* ssm = bench.add_subcommand("ssm", "Structured SSMs: S4 kernel by Cauchy + Woodbury vs direct powers; convolution vs recurrence");
  auto opts = std::make_shared<bench::SsmBenchOptions>();
  ssm->add_option("--device", opts->device, "cpu or cuda")->capture_default_str();
  ssm->add_option("--repeats", opts->repeats, "timed runs (median)")->capture_default_str()->check(CLI::PositiveNumber);
  ssm->add_flag("--quick", opts->quick, "N 16, 4 channels, L <= 256, one run: a smoke test");
  ssm->callback([&action, opts] {
    action = [opts] {
      const std::string command = fmt::format("mno bench ssm --device {}{}", opts->device, opts->quick ? " --quick" : "");
      fmt::print("{}", bench::ssm_bench_markdown(bench::run_ssm_bench(*opts), *opts, command));
      return 0;
    };
  });
}

void add_scaling_table(CLI::App& bench, Action& action) {
  auto* scaling = bench.add_subcommand("scaling", "Time and memory against resolution (32² .. 256²) per host and mixer, with log-log slopes");
  auto opts = std::make_shared<bench::ScalingBenchOptions>();
  scaling->add_option("configs", opts->configs,
                      "model configs (default: configs/darcy/{gt,gnot}_{mamba,galerkin|linear,softmax}.yaml and fno.yaml)");
  scaling->add_option("--device", opts->device, "cpu or cuda")->capture_default_str();
  scaling->add_option("--sides", opts->sides, "grid sides, comma-separated (default: 32,64,128,256 on cuda; 16,32,64 on cpu)")
      ->delimiter(',')
      ->check(CLI::Range(4, 1024));
  scaling->add_option("--batch", opts->batch, "batch size (halved where it runs out of memory)")->capture_default_str()->check(CLI::PositiveNumber);
  scaling->add_option("--repeats", opts->repeats, "timed runs (median)")->capture_default_str()->check(CLI::PositiveNumber);
  scaling->add_option("--max-step-seconds", opts->max_step_seconds,
                      "skip a side whose AdamW step is predicted (quadratically from the previous side) to take longer")
      ->capture_default_str()->check(CLI::PositiveNumber);
  scaling->add_option("--out", opts->out_dir, "also write scaling.csv, scaling_time.png and scaling_memory.png here");
  scaling->add_flag("--quick", opts->quick, "GT-Mamba, GT-Galerkin and FNO at 8² and 16², batch 1, one run: a smoke test");
  auto overwrite = std::make_shared<bool>(false);
  add_overwrite_flag(*scaling, *overwrite);
  scaling->callback([&action, opts, overwrite] {
    action = [opts, overwrite] {
      if (!opts->out_dir.empty())
        check_output_files({opts->out_dir, OutputKind::directory, "--out", *overwrite, {}},
                           {"scaling.csv", "scaling_time.png", "scaling_memory.png"});
      std::string sides;
      for (const int64_t s : opts->sides) sides += (sides.empty() ? "" : ",") + std::to_string(s);
      const bench::ScalingBenchOptions defaults;
      std::string command = fmt::format("mno bench scaling --device {}{}", opts->device, sides.empty() ? "" : " --sides " + sides);
      if (opts->batch != defaults.batch) command += fmt::format(" --batch {}", opts->batch);
      if (opts->repeats != defaults.repeats) command += fmt::format(" --repeats {}", opts->repeats);
      if (opts->max_step_seconds != defaults.max_step_seconds) command += fmt::format(" --max-step-seconds {}", opts->max_step_seconds);
      if (opts->quick) command += " --quick";
      const auto report = bench::run_scaling_bench(*opts);
      fmt::print("{}", bench::scaling_bench_markdown(report, bench::machine_info(), command));
      if (!opts->out_dir.empty()) {
        bench::write_scaling_files(report, opts->out_dir);
        log::info("wrote {}/scaling.csv, scaling_time.png, scaling_memory.png", opts->out_dir);
      }
      return 0;
    };
  });
}

}  // namespace

void add_bench_command(CLI::App& app, Action& action) {
  auto* bench = app.add_subcommand("bench", "Benchmarks (tables in Markdown on stdout, JSON on request)");
  bench->require_subcommand(1);
  add_scan_table(*bench, action);
  add_data_table(*bench, action);
  add_layer_table(*bench, action);
  add_model_table(*bench, action);
  add_ssm_table(*bench, action);
  add_scaling_table(*bench, action);
}

}  // namespace mno::cli
