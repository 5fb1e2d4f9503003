#pragma once
// `mno launch --nproc N -- train ...`: starts N local copies of mno as the ranks of one
// data-parallel job (docs/distributed.md), with the environment torchrun would give them
// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE).
//
// The ranks run in their own process group, so Ctrl-C reaches the launcher alone, which passes
// it on once to every rank: they stop together after the current step. When a rank fails, the
// others normally stop by themselves (their next collective fails); any still running after
// `grace_s` are killed, so the launcher never hangs on a dead job.
#include <string>
#include <vector>

namespace mno::workflows {

struct LaunchOptions {
  int nproc = 1;
  std::vector<std::string> args;         // mno's arguments for every rank, e.g. {"train", "-c", ...}
  std::string master_addr = "127.0.0.1";
  int master_port = 0;                   // 0: a free port on this machine
  int threads_per_rank = 0;              // LibTorch threads per rank; 0: cores / nproc (at most 4 with CUDA)
  double grace_s = 60.0;                 // after a rank fails, how long the others get to stop
};

// Runs the job and returns its exit code: 0 when every rank succeeded, 130 when it was stopped
// by Ctrl-C, otherwise the first failing rank's code (128 + N for a death by signal N).
int launch_local(const LaunchOptions& options);

}  // namespace mno::workflows
