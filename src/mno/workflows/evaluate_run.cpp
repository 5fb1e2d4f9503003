#include "mno/workflows/evaluate_run.h"

#include <filesystem>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/data/pdebench_reader.h"
#include "mno/eval/data_plot.h"
#include "mno/nn/parameter_counts.h"

#include "mno/run/run_lock.h"
#include "mno/run/saved_run.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {

RunEvaluation evaluate_run(const std::string& run_dir, const std::string& checkpoint, const std::string& data_file,
                           bool progress, int64_t stride, const std::string& out_dir, EvalSamples samples) {
  const bool all = samples == EvalSamples::all;
  SavedRun r = load_saved_run(run_dir, checkpoint, data_file, "", stride,
                              all ? data::DataUse::all_samples : data::DataUse::split);
  const RunLock lock(r.paths);  // the report is written into the run: one writer at a time
  const data::SampleRange test = r.data->split().test;
  if (all)
    log::info("evaluating {} samples (all of {})", test.size(), r.data->file());
  else
    log::info("evaluating {} samples (the test split [{}, {}) of {})", test.size(), test.begin, test.end,
              r.data->file());
  const auto loader = r.data->test_loader(static_cast<size_t>(r.run.train.eval_batch_size));
  eval::EvalOptions o;
  o.keep_samples = static_cast<size_t>(r.run.train.plot_samples);
  o.progress = progress;
  RunEvaluation out{eval::evaluate(*r.model, *r.data, *loader, o), {}};
  out.parameters = nn::count_parameters(*r.model).trainable;
  out.train_seconds = r.state.seconds;
  out.steps = r.state.step;
  // An epoch's length is the run's training split's; evaluating all samples reads no split to know it.
  if (!all) out.steps_per_epoch = r.run.train.steps_per_epoch(r.data->split().train.size());
  // The heatmaps show the data's own domain, as `mno data plot` does, not the unit square.
  out.frame = eval::field_frame(data::PdebenchReader(r.data->info().path), r.data->task().stride);
  eval::ReportInputs in;
  in.paths = r.paths.report_paths();
  if (!out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    check(!ec, "--out: cannot create the report directory '{}': {}", out_dir, ec.message());
    in.paths = RunPaths{out_dir}.report_paths();  // the same file names as inside a run
  }
  in.title = r.run.name;
  in.model_line = fmt::format("Model: `{}` with {} trainable parameters, checkpoint `{}` (epoch {}, step {}).",
                              r.model->name(), out.parameters, r.checkpoint, r.state.epoch, r.state.step);
  in.data_line = "Data: " + r.data->describe() + ".";
  in.log_csv = r.state.log_csv;
  in.train_seconds = r.state.seconds;
  in.parameters = out.parameters;
  in.steps = out.steps;
  in.steps_per_epoch = out.steps_per_epoch;
  in.frame = out.frame;
  out.files = eval::write_report(in, out.evaluation);
  return out;
}

}  // namespace mno::workflows
