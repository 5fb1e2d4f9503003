// mno export RUN_DIR --out FILE [--checkpoint last|best] [--format torch|safetensors] [--overwrite]
#include "mno/cli/commands.h"
#include "mno/workflows/export_run.h"

namespace mno::cli {

void add_export_command(CLI::App& app, Action& action) {
  auto request = std::make_shared<workflows::ExportRequest>();
  auto* cmd = app.add_subcommand(
      "export", "Write a run's weights as the MNO authors' PyTorch checkpoint (torch.save; the inverse of import; "
                "docs/models.md)");
  cmd->add_option("run", request->run_dir, "the run directory")->required();
  cmd->add_option("--out", request->out,
                  "the file to write (GT, GNOT). OFormer: the authors' two files <base>.encoder.pt and "
                  "<base>.decoder.pt, where --out is <base>.pt or <base>")
      ->required();
  cmd->add_option("--checkpoint", request->checkpoint, "last or best (default: the run's train.report_checkpoint)")
      ->check(CLI::IsMember({"last", "best"}));
  cmd->add_option("--format", request->format,
                  "torch (torch.load reads it; default) or safetensors (the same tensors; OFormer: "
                  ".safetensors files)")
      ->check(CLI::IsMember({"torch", "safetensors"}));
  cmd->add_flag("--overwrite", request->overwrite, "replace existing files");
  cmd->callback([&action, request] {
    action = [request] {
      workflows::export_authors_run(*request);
      return 0;
    };
  });
}

}  // namespace mno::cli
