#pragma once
// Each sub-command lives in its own file and adds itself to the app here. cli/ parses only:
// the work is done by the library (docs/architecture.md). A sub-command stores what it will run in
// `action`; main() runs it after parsing, once the global options (threads) are in effect, and
// exits with the code it returns (0: success; errors are thrown as mno::Error and exit 1).
#include <functional>

#include <CLI/CLI.hpp>

namespace mno::cli {

using Action = std::function<int()>;

// Exit codes: 0 success, 1 an error (one `error: ...` line), 2 a usage error (unknown command or
// flag, a missing or out-of-range value), 130 stopped by Ctrl-C (a run that can be resumed).
constexpr int kUsageError = 2;

void add_bench_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_info_command(CLI::App& app, Action& action);
void add_generate_command(CLI::App& app, Action& action);
void add_data_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_predict_command(CLI::App& app, Action& action);
void add_launch_command(CLI::App& app, Action& action);
void add_analyze_command(CLI::App& app, Action& action);
void add_import_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);

}  // namespace mno::cli
