#include "mno/core/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mno/core/error.h"

namespace mno {
namespace {

// nftw's callback has no user pointer: the first failure is kept here (one walk at a time per
// thread).
thread_local std::string t_failed_entry;
thread_local int t_failed_errno = 0;

int remove_entry(const char* entry, const struct stat*, int type, struct FTW*) {
  // FTW_DEPTH: a directory is visited after its contents, so it is empty by then.
  const int rc = (type == FTW_DP) ? ::rmdir(entry) : ::unlink(entry);
  if (rc != 0 && errno != ENOENT) {
    t_failed_entry = entry;
    t_failed_errno = errno;
    return 1;  // stop the walk
  }
  return 0;
}

// 0 on success, else the errno of the first failure (entry in t_failed_entry).
int walk_and_remove(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return 0;
    t_failed_entry = path;
    return t_failed_errno = errno;
  }
  t_failed_entry.clear();
  t_failed_errno = 0;
  if (::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && t_failed_errno == 0) {
    t_failed_entry = path;  // the walk itself failed (e.g. an unreadable directory)
    t_failed_errno = errno;
  }
  return t_failed_errno;
}

}  // namespace

void remove_tree(const std::string& path) {
  const int err = walk_and_remove(path);
  check(err == 0, "cannot remove '{}' (while removing '{}'): {}", t_failed_entry, path, std::strerror(err));
}

bool remove_tree_noexcept(const std::string& path) noexcept {
  try {
    return walk_and_remove(path) == 0;
  } catch (...) {  // std::string allocation
    return false;
  }
}

}  // namespace mno
