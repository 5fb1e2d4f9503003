// mno demo — the embedded default job (make demo): MNO vs its attention twin on a small Darcy set.
#include "mno/cli/commands.h"
#include "mno/workflows/demo.h"

namespace mno::cli {

void add_demo_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<workflows::DemoOptions>();
  auto* demo = app.add_subcommand(
      "demo", "The default job: generate a small Darcy set, train GT with Mamba and with Galerkin attention, "
              "evaluate both, write a report");
  demo->add_option("--out", options->out, "output directory: new, empty, or an earlier demo's (whose files are replaced; nothing else in it is touched)")->capture_default_str();
  demo->add_flag("--quick", options->quick, "a tiny version that finishes in seconds");
  demo->callback([&action, options] {
    action = [options] {
      workflows::run_demo(*options);
      return 0;
    };
  });
}

}  // namespace mno::cli
