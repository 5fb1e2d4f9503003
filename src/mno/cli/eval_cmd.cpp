// mno eval RUN_DIR [--data FILE] [--samples all|test] [--stride S] [--out DIR [--overwrite]] [--checkpoint last|best]
#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/log.h"
#include "mno/run/eval_out.h"
#include "mno/workflows/evaluate_run.h"

namespace mno::cli {

void add_eval_command(CLI::App& app, Action& action) {
  struct Args {
    std::string run, data, checkpoint, out, samples;
    int64_t stride = 0;
    bool overwrite = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a run on its test split or a file: metrics.json, along_time.csv, plots, report.md");
  cmd->add_option("run", args->run, "run directory")->required();
  cmd->add_option("--data", args->data, "evaluate on this PDEBench file instead of the run's (all its samples: --samples)");
  cmd->add_option("--samples", args->samples,
                  "all: every sample of the file, whatever their number; test: its test split (data.split). "
                  "Default: all with --data (a file of your own is not a training file), else test")
      ->check(CLI::IsMember({"all", "test"}));
  cmd->add_option("--stride", args->stride,
                  "take every S-th point of the file (default: the run's data.stride); another resolution than the "
                  "run's is a zero-shot evaluation (docs/scaling.md)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", args->out, "write metrics.json, along_time.csv, plots/ and report.md here instead of into the run");
  cmd->add_flag("--overwrite", args->overwrite, "replace the report files an --out directory already holds");
  cmd->add_option("--checkpoint", args->checkpoint, "last or best (default: the run's train.report_checkpoint)")
      ->check(CLI::IsMember({"last", "best"}));
  cmd->callback([&action, args] {
    action = [args] {
      const run::EvalOut out = run::claim_eval_out(args->run, args->out, args->overwrite);  // before any work
      const std::string samples = !args->samples.empty() ? args->samples : args->data.empty() ? "test" : "all";
      const workflows::RunEvaluation e = workflows::evaluate_run(args->run, args->checkpoint, args->data, true, args->stride, out.dir,
                                                     samples == "all" ? workflows::EvalSamples::all : workflows::EvalSamples::test);
      fmt::print("{}{}", eval::metrics_table_header(), eval::metrics_table_row(args->run, e.parameters, e.evaluation, e.train_seconds));
      log::info("report: {}", e.files.report_md);
      return 0;
    };
  });
}

}  // namespace mno::cli
