// mno check layers
#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/error.h"
#include "mno/nn/layer_check.h"

namespace mno::cli {

int run_layer_checks() {
  const auto checks = nn::check_layers();
  fmt::print("{}", nn::layer_checks_markdown(checks));
  int failed = 0;
  for (const auto& c : checks) failed += c.ok ? 0 : 1;
  if (failed) throw Error(fmt::format("{} of {} layer checks failed", failed, checks.size()));
  fmt::print("\nall {} layer checks passed\n", checks.size());
  return 0;
}

void add_check_command(CLI::App& app, Action& action) {
  auto* check = app.add_subcommand("check", "Self-checks of the installed library");
  check->require_subcommand(1);
  auto* layers = check->add_subcommand("layers", "S6 layers: parameter counts vs the authors', forward/backward, fused scan vs reference");
  layers->callback([&action] { action = run_layer_checks; });
}

}  // namespace mno::cli
