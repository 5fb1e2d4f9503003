#pragma once
// One writer per run directory. A process that trains or evaluates a run holds `<run>/.lock`
// (created exclusively, holding the owner's pid and host); a second process is refused with
// the owner's pid. A lock whose process is gone (a kill -9, a crash, a reboot) is stale: it is
// reported and taken over, so a dead run never blocks its own resume.
#include <string>

#include "mno/run/run_paths.h"

namespace mno::run {

class RunLock {
 public:
  RunLock() = default;
  // Takes the lock of the run (its directory must exist) or throws naming the process holding it.
  explicit RunLock(const RunPaths& run);
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  void release() noexcept;
  std::string path_;  // "" when not held
};

}  // namespace mno::run
