#include "cli/cli_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mno::cli::testing {

std::string source_dir() {
  const char* root = std::getenv("MNO_SOURCE_DIR");
  return root ? root : MNO_TEST_SOURCE_DIR;
}

MnoProcess::MnoProcess(const std::vector<std::string>& args, const CliOptions& options) {
  char name[] = "/tmp/mno-cli-output-XXXXXX";
  const int out = mkstemp(name);
  if (out < 0) throw std::runtime_error("cannot create a file for mno's output");
  output_file_ = name;
  std::vector<std::string> argv_text{MNO_CLI_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string cwd = options.cwd.empty() ? source_dir() : options.cwd;
  // The environment is built here: the child of a threaded process may not allocate.
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const auto& kv : options.env) replaced = replaced || entry.rfind(kv.first + "=", 0) == 0;
    if (!replaced) env_text.push_back(entry);
  }
  for (const auto& [key, value] : options.env) env_text.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    if (options.file_size_limit >= 0) {
      const rlimit limit{static_cast<rlim_t>(options.file_size_limit), static_cast<rlim_t>(options.file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out);
}

MnoProcess::~MnoProcess() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  std::remove(output_file_.c_str());
}

void MnoProcess::signal(int sig) const {
  if (!reaped_) kill(pid_, sig);
}

bool MnoProcess::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

CliResult MnoProcess::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  CliResult r;
  if (WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
  else if (WIFSIGNALED(status_)) r.exit_code = 128 + WTERMSIG(status_);
  r.output = read_text(output_file_);
  return r;
}

CliResult run_mno(const std::vector<std::string>& args, const CliOptions& options) {
  return MnoProcess(args, options).wait();
}

}  // namespace mno::cli::testing
