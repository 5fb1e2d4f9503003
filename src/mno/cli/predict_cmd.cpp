// mno predict RUN_DIR --input FILE --out FILE [--checkpoint last|best]
#include "mno/cli/commands.h"
#include "mno/workflows/predict.h"

namespace mno::cli {

void add_predict_command(CLI::App& app, Action& action) {
  struct Args {
    std::string run, input, out, checkpoint;
    bool overwrite = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("predict", "Predict every sample of a PDEBench file (any number) from its inputs alone; writes the same layout");
  cmd->add_option("run", args->run, "run directory")->required();
  cmd->add_option("--input", args->input, "PDEBench-layout HDF5 file: its inputs are read (Darcy 'nu', the given frames); targets may be missing")->required();
  cmd->add_option("--out", args->out, "output HDF5 file (written atomically; an existing one is refused)")->required();
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing --out file");
  cmd->add_option("--checkpoint", args->checkpoint, "last or best (default: the run's train.report_checkpoint)")
      ->check(CLI::IsMember({"last", "best"}));
  cmd->callback([&action, args] {
    action = [args] {
      workflows::predict_file(args->run, args->input, args->out, args->checkpoint, true, args->overwrite);
      return 0;
    };
  });
}

}  // namespace mno::cli
