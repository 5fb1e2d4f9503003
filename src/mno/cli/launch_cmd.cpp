// mno launch --nproc N [--master-port P] [--grace S] -- train <train's arguments ...>
#include <limits>

#include "mno/cli/commands.h"
#include "mno/workflows/launch.h"

namespace mno::cli {

void add_launch_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<workflows::LaunchOptions>();
  auto* cmd = app.add_subcommand(
      "launch", "Run `mno train` as N local processes of one data-parallel job (docs/distributed.md)");
  cmd->add_option("--nproc", options->nproc, "number of processes (ranks); one per GPU on a GPU machine")
      ->required()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--master-addr", options->master_addr, "address rank 0 listens on")->capture_default_str();
  cmd->add_option("--master-port", options->master_port, "port rank 0 listens on (0: a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--threads-per-rank", options->threads_per_rank, "LibTorch threads per rank (0: cores / nproc, at most 4 on a GPU machine)")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--grace", options->grace_s, "seconds the other ranks get to stop after one fails, then killed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("command", options->args, "the command every rank runs, after '--': train and its arguments (e.g. -- train -c CONFIG)");
  cmd->footer("Example: mno launch --nproc 2 -- train -c configs/darcy/gt_mamba.yaml train.device=cpu");
  cmd->callback([&action, options] { action = [options] { return workflows::launch_local(*options); }; });
}

}  // namespace mno::cli
