// mno train -c CONFIG [key=value ...] [--runs-dir DIR | --out DIR] | --resume RUN_DIR
#include <csignal>
#include <limits>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/log.h"
#include "mno/core/usage_error.h"
#include "mno/workflows/training.h"

namespace mno::cli {

// Exit status of a run stopped by Ctrl-C, as shells report a SIGINT death.
constexpr int kInterruptedExit = 128 + SIGINT;

void add_train_command(CLI::App& app, Action& action) {
  auto request = std::make_shared<workflows::TrainRequest>();
  auto no_eval = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("train", "Train a model from a config into a run directory (docs/training.md)");
  cmd->add_option("-c,--config", request->config_path, "training config (configs/<dataset>/<host>_<mixer>.yaml)");
  cmd->add_option("overrides", request->overrides, "key=value overrides, e.g. train.epochs=5 model.mixer.type=mamba; with --resume only "
                  "data.file=FILE (the run's data moved)");
  cmd->footer("Several processes (one per GPU, or CPU processes with Gloo): start it under `mno launch --nproc N "
                "-- train ...`, torchrun --no-python or mpirun; see docs/distributed.md.");
  cmd->add_option("--resume", request->resume, "continue the run in this directory from its last checkpoint");
  cmd->add_option("--out", request->out, "run directory (default: <runs-dir>/<name>)");
  cmd->add_option("--runs-dir", request->runs_dir, "parent of run directories")->capture_default_str();
  cmd->add_flag("--overwrite", request->overwrite, "replace an existing run directory (refused otherwise; the old run is kept until the new one has written its first checkpoint)");
  cmd->add_flag("--no-eval", *no_eval, "skip the final evaluation and report (mno eval does it later)");
  cmd->add_option("--stop-after-steps", request->options.stop_after_steps,
                  "stop with a checkpoint after N more steps, as Ctrl-C does: a new run stops at step N, a "
                  "--resume from step S at step S + N")
      ->type_name("N")
      ->check(CLI::Range(int64_t(1), std::numeric_limits<int64_t>::max()));
  cmd->callback([&action, request, no_eval] {
    // The command line's shape is checked here, while parsing, so that it is a usage error (exit 2);
    // train_run() checks the same for its other callers.
    usage_check(request->config_path.empty() != request->resume.empty(),
                "mno train: give either -c CONFIG or --resume RUN_DIR");
    // A resumed run takes data.file alone (its data moved); any other key would make it another run
    // than its checkpoints (workflows/training.cpp checks the same for library callers).
    for (const std::string& o : request->resume.empty() ? std::vector<std::string>{} : request->overrides)
      usage_check(o.substr(0, o.find('=')) == "data.file",
                  "mno train --resume: '{}' is not accepted: a resumed run takes data.file=FILE alone (its data "
                  "moved); any other key would change the run its checkpoints belong to: start a new run with -c "
                  "{}/config.yaml {}",
                  o, request->resume, o);
    usage_check(request->resume.empty() || !request->overwrite,
                "mno train --resume: --overwrite does not apply to a resumed run");
    action = [request, no_eval] {
      request->evaluate = !*no_eval;
      const workflows::TrainResult r = workflows::train_run(*request);
      if (r.outcome.interrupted) {
        if (r.rank == 0)
          log::info("stopped at step {}: checkpoint {}; continue with: mno train --resume {}", r.outcome.state.step,
                  run::RunPaths{r.run_dir}.checkpoint("last"), r.run_dir);
        else  // every rank says where it stopped: they must agree, or the checkpoint is not theirs
          log::info("rank {} stopped at step {}", r.rank, r.outcome.state.step);
        return kInterruptedExit;
      }
      if (r.evaluation) {
        const workflows::RunEvaluation& e = *r.evaluation;
        fmt::print("{}{}", eval::metrics_table_header(),
                   eval::metrics_table_row(r.run_dir, e.parameters, e.evaluation, e.train_seconds));
        log::info("report: {}", e.files.report_md);
      }
      return 0;
    };
  });
}

}  // namespace mno::cli
