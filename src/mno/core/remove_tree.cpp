#include "mno/core/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mno/core/error.h"

namespace mno {
namespace {

// nftw's callback has no user pointer: the first failure is kept here (one walk at a time per
// thread). Plain arrays, not std::string: static objects (tests' temporary directories) are
// removed at exit, after thread-local objects with destructors are gone.
thread_local char t_failed_entry[PATH_MAX];
thread_local int t_failed_errno = 0;

void set_failed_entry(const char* entry) { std::snprintf(t_failed_entry, sizeof t_failed_entry, "%s", entry); }

int remove_entry(const char* entry, const struct stat*, int type, struct FTW*) {
  // FTW_DEPTH: a directory is visited after its contents, so it is empty by then.
  const int rc = (type == FTW_DP) ? ::rmdir(entry) : ::unlink(entry);
  if (rc != 0 && errno != ENOENT) {
    t_failed_errno = errno;
    set_failed_entry(entry);
    return 1;  // stop the walk
  }
  return 0;
}

// 0 on success, else the errno of the first failure (entry in t_failed_entry).
int walk_and_remove(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return 0;
    t_failed_errno = errno;
    set_failed_entry(path.c_str());
    return t_failed_errno;
  }
  t_failed_entry[0] = '\0';
  t_failed_errno = 0;
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && t_failed_errno == 0) {
    t_failed_errno = errno;  // the walk itself failed (e.g. an unreadable directory)
    set_failed_entry(path.c_str());
  }
  return t_failed_errno;
}

}  // namespace

void remove_tree(const std::string& path) {
  const int err = walk_and_remove(path);
  check(err == 0, "cannot remove '{}' (while removing '{}'): {}", t_failed_entry, path, std::strerror(err));
}

bool remove_tree_noexcept(const std::string& path) noexcept {
  return walk_and_remove(path) == 0;
}

}  // namespace mno
