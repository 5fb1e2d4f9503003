#pragma once
// Each sub-command lives in its own file and adds itself to the app here. cli/ parses only:
// the work is done by the library (DESIGN.md §2). A sub-command stores what it will run in
// `action`; main() runs it after parsing, once the global options (threads) are in effect.
#include <functional>

#include <CLI/CLI.hpp>

namespace mno::cli {

using Action = std::function<void()>;

void add_bench_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_info_command(CLI::App& app, Action& action);
void add_generate_command(CLI::App& app, Action& action);
void add_data_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_predict_command(CLI::App& app, Action& action);

}  // namespace mno::cli
