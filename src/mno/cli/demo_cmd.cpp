// mno demo — the embedded default job. Until training lands, it runs what is real: the S6 layer
// self-check and the CPU scan benchmark.
#include <fmt/format.h>

#include "bench/scan_bench.h"
#include "mno/cli/commands.h"

namespace mno::cli {

void run_layer_checks();  // check_cmd.cpp

void add_demo_command(CLI::App& app, Action& action) {
  auto* demo = app.add_subcommand("demo", "The default job: layer self-check and the CPU scan benchmark");
  auto quick = std::make_shared<bool>(false);
  demo->add_flag("--quick", *quick, "small benchmark shapes (seconds instead of about two minutes)");
  demo->callback([&action, quick] {
    action = [quick] {
      fmt::print("# mno demo\n\nTraining and evaluation are not built yet; this demo runs what is real today.\n\n"
                 "## 1. S6 layers (mno check layers)\n\n");
      run_layer_checks();
      fmt::print("\n## 2. Selective scan benchmark (mno bench scan)\n\n");
      bench::ScanBenchOptions o;
      o.quick = *quick;
      const auto rows = bench::run_scan_bench(o);
      fmt::print("{}", bench::scan_bench_markdown(rows, bench::machine_info(),
                                                  fmt::format("mno demo{}", *quick ? " --quick" : "")));
    };
  });
}

}  // namespace mno::cli
