#pragma once
// `mno bench model`: forward, forward+backward and a full training step (AdamW + MSE) per batch
// and its peak memory for whole models at the paper's shapes (batch 8, 64 × 64), each host with attention and with
// Mamba side by side in one run (docs/performance.md). Medians of `repeats` runs after one warm-up.
#include <string>
#include <vector>

#include <torch/types.h>

#include "bench/machine.h"
#include "bench/step_trace.h"

namespace mno::bench {

struct ModelBenchOptions {
  std::vector<std::string> configs;  // empty: the Darcy configs of every host × {attention, softmax, mamba}
  std::string device = "cpu";
  int64_t batch = 8, side = 64;
  int repeats = 5;
  bool quick = false;  // batch 1, 16 × 16, 1 repeat: a smoke run
  std::string precision = "fp32";  // fp32 | tf32 | bf16 (CUDA only; extra rows, not the fp32 comparison)
  // Non-empty: trace `trace_steps` AdamW steps of each config with LibTorch's profiler and write
  // Chrome traces: this path itself for one config, else "<stem>.<config stem><ext>" beside it.
  std::string trace;
  int trace_steps = 3;
};

struct ModelBenchRow {
  std::string config, model;
  int64_t parameters = 0;
  double forward_ms = 0, forward_backward_ms = 0, train_step_ms = 0;
  // Peak memory of one training step: the peak of allocated bytes (parameters, gradients, AdamW
  // state, inputs and activations together, as torch.cuda.max_memory_allocated reports it on CUDA;
  // counted the same way on the CPU, bench/memory.h).
  int64_t peak_bytes = -1;
  std::string changed;  // what was changed from the config to run at this grid ("" nothing), e.g. "fno modes 12 -> 6"
  std::string trace_path;  // where its Chrome trace went ("" = not traced)
  StepTrace trace;
};

struct ModelBenchReport {
  ModelBenchOptions options;  // as run: --quick's batch, side and repeats in place
  std::vector<ModelBenchRow> rows;
};

std::vector<std::string> default_model_bench_configs(const std::string& source_dir);
// One config at o.batch and o.side on device: the row of the table (throws what the model throws,
// e.g. c10::Error for CUDA out of memory). Grids under 28 × 28 give GT and FNO side/2 − 2 modes, and
// the row's `changed` says so.
ModelBenchRow measure_model(const std::string& config_path, const ModelBenchOptions& options, const torch::Device& device);
ModelBenchReport run_model_bench(const ModelBenchOptions& options);
std::string model_bench_markdown(const ModelBenchReport& report, const MachineInfo& machine, const std::string& command);
std::string model_bench_json(const ModelBenchReport& report, const MachineInfo& machine, const std::string& command);
// Where config_path's trace goes for --trace `trace` over `configs` configs.
std::string trace_path_for(const std::string& trace, const std::string& config_path, size_t configs);

}  // namespace mno::bench
