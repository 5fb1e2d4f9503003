#include "mno/workflows/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/threads.h"
#include "mno/core/usage_error.h"

namespace mno::workflows {
namespace {

std::atomic<int> pending_signal{0};
extern "C" void remember_signal(int sig) { pending_signal.store(sig); }

// A port nothing listens on now: bind port 0 and ask which one the kernel chose. (Another
// process could take it before rank 0 binds it; the rendezvous then fails with a clear error.)
int free_port(const std::string& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "mno launch: cannot open a socket to find a free port: {}", std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1) a.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof(a);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  check(ok, "mno launch: cannot find a free port on {}: {}; give one with --master-port", addr, std::strerror(errno));
  return ntohs(a.sin_port);
}

std::string self_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  check(n > 0, "mno launch: cannot find its own executable (/proc/self/exe): {}", std::strerror(errno));
  return std::string(buf, static_cast<size_t>(n));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  return "stopped";
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

struct Rank {
  pid_t pid = -1;
  bool running = false;
  int status = 0;
};

pid_t start_rank(const std::string& exe, const std::vector<std::string>& args, const LaunchOptions& o, int rank,
                 int port) {
  std::vector<std::string> env_vars = {
      "MASTER_ADDR=" + o.master_addr,           "MASTER_PORT=" + std::to_string(port),
      "WORLD_SIZE=" + std::to_string(o.nproc),  "RANK=" + std::to_string(rank),
      "LOCAL_RANK=" + std::to_string(rank),     "LOCAL_WORLD_SIZE=" + std::to_string(o.nproc)};
  const pid_t pid = ::fork();
  check(pid >= 0, "mno launch: cannot start rank {}: {}", rank, std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // Ctrl-C at the terminal goes to the launcher, which forwards it once
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    for (const std::string& kv : env_vars) ::putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    fmt::print(stderr, "error: mno launch: cannot run {} for rank {}: {}\n", exe, rank, std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

// The command every rank runs must be `mno train`, the one command that splits its work across
// ranks: any other would run whole on every rank, N times over (N evaluations writing one report).
// mno's global options (--threads N, --blas-threads N) may come before it.
void check_rank_command(const std::vector<std::string>& args) {
  size_t i = 0;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--threads" || a == "--blas-threads") i += 2;
    else if (a.rfind("--threads=", 0) == 0 || a.rfind("--blas-threads=", 0) == 0) i += 1;
    else break;
  }
  usage_check(i < args.size(), "mno launch: give the mno command every rank runs after '--', e.g. mno launch --nproc 2 "
              "-- train -c configs/darcy/gt_mamba.yaml");
  usage_check(args[i] == "train", "mno launch: only `train` runs as several ranks, found '{}' (it would run whole on "
              "every rank); run it without mno launch: mno {}", args[i], fmt::join(args.begin() + i, args.end(), " "));
}

}  // namespace

int launch_local(const LaunchOptions& o) {
  usage_check(o.nproc >= 1, "mno launch --nproc: expected at least 1 process, found {}", o.nproc);
  check_rank_command(o.args);
  const std::string exe = self_executable();
  const int port = o.master_port > 0 ? o.master_port : free_port(o.master_addr);
  std::vector<std::string> args = o.args;
  // N ranks each using every core would fight over them: share the cores out unless told. A rank
  // that drives a GPU needs few: with 16 LibTorch threads each, 2 ranks on 2 H200s reached 44
  // samples/s, with 4 each 74 (docs/distributed.md) — idle OpenMP workers spin and delay the
  // thread that launches the kernels.
  if (std::find(args.begin(), args.end(), "--threads") == args.end()) {
    const int share = std::max(1, hardware_threads() / o.nproc);
    const int threads = o.threads_per_rank > 0 ? o.threads_per_rank
                        : torch::cuda::is_available() ? std::min(4, share) : share;
    args.insert(args.begin(), {"--threads", std::to_string(threads)});
  }
  log::info("mno launch: {} ranks, rendezvous at {}:{}", o.nproc, o.master_addr, port);

  struct sigaction sa{}, old_int{}, old_term{};
  sa.sa_handler = remember_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  pending_signal.store(0);

  std::vector<Rank> ranks(static_cast<size_t>(o.nproc));
  for (int r = 0; r < o.nproc; ++r) {
    ranks[r].pid = start_rank(exe, args, o, r, port);
    ranks[r].running = true;
  }
  using Clock = std::chrono::steady_clock;
  int first_failure = -1;
  Clock::time_point deadline = Clock::time_point::max();
  for (;;) {
    if (const int sig = pending_signal.exchange(0)) {
      for (const Rank& r : ranks)
        if (r.running) ::kill(r.pid, sig);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = std::find_if(ranks.begin(), ranks.end(), [&](const Rank& r) { return r.pid == pid; });
      if (it == ranks.end()) continue;
      it->running = false;
      it->status = status;
      const int rank = static_cast<int>(it - ranks.begin());
      const int code = exit_code_of(status);
      // 130: stopped with a checkpoint (Ctrl-C, --stop-after-steps), as every rank will be.
      if (code != 0 && code != 130) {
        log::info("mno launch: rank {} (pid {}) {}", rank, pid, describe_status(status));
        if (first_failure < 0) {
          first_failure = rank;
          deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.grace_s * 1000.0));
        }
      }
      continue;
    }
    if (std::none_of(ranks.begin(), ranks.end(), [](const Rank& r) { return r.running; })) break;
    if (Clock::now() > deadline) {
      for (size_t r = 0; r < ranks.size(); ++r) {
        if (!ranks[r].running) continue;
        log::info("mno launch: rank {} is still running {:.0f} s after rank {} failed; killing it", r, o.grace_s,
                  first_failure);
        ::kill(ranks[r].pid, SIGKILL);
      }
      deadline = Clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (first_failure >= 0) return exit_code_of(ranks[first_failure].status);
  for (const Rank& r : ranks)
    if (exit_code_of(r.status) != 0) return exit_code_of(r.status);
  return 0;
}

}  // namespace mno::workflows
