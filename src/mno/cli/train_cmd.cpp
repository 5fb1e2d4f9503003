// mno train -c CONFIG [key=value ...] [--runs-dir DIR | --out DIR] | --resume RUN_DIR
#include <csignal>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/train/saved_run.h"
#include "mno/train/trainer.h"

namespace mno::cli {

// Exit status of a run stopped by Ctrl-C, as shells report a SIGINT death.
constexpr int kInterruptedExit = 128 + SIGINT;

void add_train_command(CLI::App& app, Action& action) {
  struct Args {
    std::string config, resume, out, runs_dir = "runs";
    std::vector<std::string> overrides;
    bool no_eval = false;
    int64_t stop_after = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("train", "Train a model from a config into a run directory (docs/training.md)");
  cmd->add_option("-c,--config", args->config, "training config (configs/<dataset>/<host>_<mixer>.yaml)");
  cmd->add_option("overrides", args->overrides, "key=value overrides, e.g. train.epochs=5 model.mixer.type=mamba");
  cmd->add_option("--resume", args->resume, "continue the run in this directory from its last checkpoint");
  cmd->add_option("--out", args->out, "run directory (default: <runs-dir>/<name>)");
  cmd->add_option("--runs-dir", args->runs_dir, "parent of run directories")->capture_default_str();
  cmd->add_flag("--no-eval", args->no_eval, "skip the final evaluation and report (mno eval does it later)");
  cmd->add_option("--stop-after-steps", args->stop_after, "stop with a checkpoint after this many steps in total, as Ctrl-C does");
  cmd->callback([&action, args] {
    action = [args] {
      check(args->config.empty() != args->resume.empty(), "mno train: give either -c CONFIG or --resume RUN_DIR");
      check(args->resume.empty() || args->overrides.empty(),
            "mno train --resume: overrides are not accepted; a resumed run continues with its own config.yaml");
      std::unique_ptr<train::Trainer> trainer;
      if (!args->resume.empty()) {
        trainer = train::Trainer::resume(args->resume);
      } else {
        Config config = Config::load_file(args->config);
        config.apply_overrides(args->overrides);
        std::string dir = args->out;
        if (dir.empty()) dir = args->runs_dir + "/" + train::read_run_config(config, train::default_run_name(args->config)).name;
        trainer = train::Trainer::start(config, dir);
      }
      train::TrainOptions o;
      o.stop_after_steps = args->stop_after;
      const train::TrainOutcome outcome = trainer->run(o);
      if (outcome.interrupted) {
        log::info("stopped at step {}: checkpoint {}; continue with: mno train --resume {}", outcome.state.step,
                  outcome.paths.checkpoint("last"), outcome.paths.dir);
        std::exit(kInterruptedExit);
      }
      if (args->no_eval) return;
      trainer.reset();  // free the training state before evaluating
      const train::RunEvaluation e = train::evaluate_run(outcome.paths.dir);
      fmt::print("{}{}", eval::metrics_table_header(),
                 eval::metrics_table_row(outcome.paths.dir, e.parameters, e.evaluation, e.train_seconds));
      log::info("report: {}", e.files.report_md);
    };
  });
}

void add_eval_command(CLI::App& app, Action& action) {
  struct Args {
    std::string run, data, checkpoint;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a run on its test split: metrics.json, along_time.csv, plots, report.md");
  cmd->add_option("run", args->run, "run directory")->required();
  cmd->add_option("--data", args->data, "evaluate on the test split of this PDEBench file instead of the run's");
  cmd->add_option("--checkpoint", args->checkpoint, "last or best (default: the run's train.report_checkpoint)");
  cmd->callback([&action, args] {
    action = [args] {
      const train::RunEvaluation e = train::evaluate_run(args->run, args->checkpoint, args->data);
      fmt::print("{}{}", eval::metrics_table_header(), eval::metrics_table_row(args->run, e.parameters, e.evaluation, e.train_seconds));
      log::info("report: {}", e.files.report_md);
    };
  });
}

void add_predict_command(CLI::App& app, Action& action) {
  struct Args {
    std::string run, input, out, checkpoint;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("predict", "Predict every sample of a PDEBench file; writes the same layout");
  cmd->add_option("run", args->run, "run directory")->required();
  cmd->add_option("--input", args->input, "PDEBench-layout HDF5 file")->required();
  cmd->add_option("--out", args->out, "output HDF5 file (written atomically)")->required();
  cmd->add_option("--checkpoint", args->checkpoint, "last or best (default: the run's train.report_checkpoint)");
  cmd->callback([&action, args] {
    action = [args] { train::predict_file(args->run, args->input, args->out, args->checkpoint); };
  });
}

}  // namespace mno::cli
