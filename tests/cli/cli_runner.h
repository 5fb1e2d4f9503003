#pragma once
// Runs the `mno` binary as a user does — a separate process, its exit code and everything it
// printed — so the CLI tests check what a user would look for, not only that it returned.
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "support/testing.h"

namespace mno::cli::testing {

struct CliResult {
  int exit_code = -1;  // the process's exit status; 128 + N when killed by signal N
  std::string output;  // stdout and stderr, interleaved as printed
  bool has(const std::string& text) const { return output.find(text) != std::string::npos; }
};

struct CliOptions {
  std::string cwd;                                         // "" = the source tree, where configs/ is
  std::vector<std::pair<std::string, std::string>> env;    // added to the environment
  long file_size_limit = -1;                               // bytes (RLIMIT_FSIZE, as `ulimit -f`); -1: none
};

// A running `mno`: started in the background, signalled, waited for.
class MnoProcess {
 public:
  MnoProcess(const std::vector<std::string>& args, const CliOptions& options = {});
  ~MnoProcess();  // kills and reaps a process not waited for
  MnoProcess(const MnoProcess&) = delete;
  MnoProcess& operator=(const MnoProcess&) = delete;

  void signal(int sig) const;
  bool running();     // false once it has exited (then wait() returns at once)
  CliResult wait();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string output_file_;
};

CliResult run_mno(const std::vector<std::string>& args, const CliOptions& options = {});

// The repository root (MNO_SOURCE_DIR, set by CTest, or the compile-time source path).
std::string source_dir();

using mno::testing::read_text;

}  // namespace mno::cli::testing
