// mno import --config C --checkpoint F | --encoder F --decoder F --out RUN [key=value ...]
#include "mno/cli/commands.h"
#include "mno/workflows/import_run.h"

namespace mno::cli {

void add_import_command(CLI::App& app, Action& action) {
  auto request = std::make_shared<workflows::ImportRequest>();
  auto* cmd = app.add_subcommand(
      "import", "Import the MNO authors' PyTorch checkpoint (torch.save) as an mno run (docs/models.md)");
  cmd->add_option("-c,--config", request->config_path, "the matching config (configs/<dataset>/<host>_<mixer>.yaml)")
      ->required();
  cmd->add_option("--checkpoint", request->checkpoint, "GT / GNOT: the authors' checkpoint file");
  cmd->add_option("--encoder", request->encoder, "OFormer: the authors' encoder checkpoint file");
  cmd->add_option("--decoder", request->decoder, "OFormer: the authors' decoder checkpoint file");
  cmd->add_option("--out", request->out, "the new run directory")->required();
  cmd->add_flag("--overwrite", request->overwrite, "replace an existing run directory");
  cmd->add_option("overrides", request->overrides, "key=value overrides of the config, e.g. data.file=...");
  cmd->callback([&action, request] {
    action = [request] {
      workflows::import_authors_run(*request);
      return 0;
    };
  });
}

}  // namespace mno::cli
