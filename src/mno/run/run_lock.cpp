#include "mno/run/run_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mno/core/error.h"
#include "mno/core/log.h"

namespace mno::run {
namespace {

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string("?");
}

// The owner recorded in a lock file: "pid host". pid 0 when unreadable (a lock half-written by a
// process killed between create and write is stale by definition).
struct Owner {
  long pid = 0;
  std::string host;
};

Owner read_owner(const std::string& path) {
  std::ifstream in(path);
  Owner o;
  in >> o.pid >> o.host;
  return o;
}

bool alive(const Owner& o) {
  if (o.pid <= 0 || o.host != host_name()) return o.pid > 0;  // another host's process: assume alive
  return ::kill(static_cast<pid_t>(o.pid), 0) == 0 || errno == EPERM;
}

// Creates `path` exclusively with our pid; false when it already exists.
bool create_exclusively(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw Error(fmt::format("cannot create the run lock '{}': {}", path, std::strerror(errno)));
  }
  const std::string text = fmt::format("{} {}\n", static_cast<long>(::getpid()), host_name());
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) {
    std::remove(path.c_str());
    throw Error(fmt::format("cannot write the run lock '{}' (disk full?)", path));
  }
  return true;
}

}  // namespace

RunLock::RunLock(const RunPaths& run) {
  const std::string& run_dir = run.dir;
  const std::string path = run.lock();
  // Two tries: the second after removing a stale lock (another process may win that race; then
  // it is the owner and we are refused, as we should be).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (create_exclusively(path)) {
      path_ = path;
      return;
    }
    const Owner owner = read_owner(path);
    check(!alive(owner), "run directory '{}' is in use by process {} on {} (lock file {}); wait for it to finish, "
          "or stop it first", run_dir, owner.pid, owner.host.empty() ? "this machine" : owner.host, path);
    log::warn("{}: removing a stale lock of process {}, which is no longer running", run_dir, owner.pid);
    std::remove(path.c_str());
  }
  throw Error(fmt::format("run directory '{}': cannot take the lock {}", run_dir, path));
}

RunLock::~RunLock() { release(); }

RunLock::RunLock(RunLock&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

void RunLock::release() noexcept {
  if (!path_.empty()) std::remove(path_.c_str());
  path_.clear();
}

}  // namespace mno::run
