// mno — neural operators built on state-space models. See `mno --help`.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/crash_report.h"
#include "mno/core/error.h"
#include "mno/core/heap_policy.h"
#include "mno/core/stop_signal.h"
#include "mno/core/threads.h"
#include "mno/core/torch_compat.h"
#include "mno/core/usage_error.h"

namespace {

// A usage error: one line in mno's own form, then where to look; exit code 2 (README).
int usage_error(const std::string& message) {
  fmt::print(stderr, "error: {}\nRun with --help for usage.\n", message);
  return mno::cli::kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  mno::install_crash_report("mno");
  // A file-size limit (ulimit -f) must be a write error we report, not a SIGXFSZ death.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"mno: the Mamba Neural Operator and the neural operators around it (C++/LibTorch)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("mno 0.1.0 (LibTorch {})", mno::compat::torch_version()));
  int threads = 0;
  app.add_option("--threads", threads, "LibTorch intra-op threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  int blas_threads = 0;
  app.add_option("--blas-threads", blas_threads,
                 "OpenBLAS threads for CPU matmuls (0 = 1 when --threads gives at most 2, else the same count; "
                 "docs/performance.md)")
      ->check(CLI::NonNegativeNumber);

  mno::cli::Action action;
  mno::cli::add_bench_command(app, action);
  mno::cli::add_check_command(app, action);
  mno::cli::add_demo_command(app, action);
  mno::cli::add_info_command(app, action);
  mno::cli::add_generate_command(app, action);
  mno::cli::add_data_command(app, action);
  mno::cli::add_train_command(app, action);
  mno::cli::add_eval_command(app, action);
  mno::cli::add_predict_command(app, action);
  mno::cli::add_launch_command(app, action);
  mno::cli::add_analyze_command(app, action);
  mno::cli::add_import_command(app, action);
  mno::cli::add_export_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const mno::UsageError& e) {  // a sub-command's own check of its flags
    return usage_error(e.what());
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (app.get_subcommands().empty()) {  // CLI11 says only "A subcommand is required"
      std::string commands;
      for (const CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) commands += (commands.empty() ? "" : ", ") + c->get_name();
      const auto rest = app.remaining();
      message = fmt::format("{}; expected a command: {}", rest.empty() ? "no command given"
                            : fmt::format("unknown command or option '{}'", rest.front()), commands);
    }
    return usage_error(message);
  }
  try {
    mno::keep_freed_memory_for_reuse();  // before the first large tensor
    mno::flush_denormals_to_zero();  // before any worker thread exists: they inherit it
    mno::set_threads(threads);
    mno::set_blas_threads(blas_threads);
    return action ? action() : 0;
  } catch (const mno::Interrupted& e) {  // Ctrl-C or SIGTERM in generate or predict (core/stop_signal.h)
    fmt::print(stderr, "mno: {}\n", e.what());
    return 128 + e.signal();
  } catch (const mno::UsageError& e) {  // a flag found wrong once the files it names were read
    return usage_error(e.what());
  } catch (const mno::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    // A LibTorch failure we did not validate first: show its message, not its stack — unless
    // MNO_BACKTRACE=1 asks for LibTorch's whole report (with TORCH_SHOW_CPP_STACKTRACES=1 it names
    // the C++ frames, to find which op failed).
    const char* full = std::getenv("MNO_BACKTRACE");
    fmt::print(stderr, "error: {}\n", full && std::string(full) == "1" ? e.what() : e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
