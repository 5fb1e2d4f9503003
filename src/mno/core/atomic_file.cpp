#include "mno/core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "mno/core/error.h"
#include "mno/core/output_policy.h"

namespace mno {

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  check(fs::is_directory(dir), "cannot write '{}': directory '{}' does not exist", path, dir.string());
  // The temporary name is unique per process so that concurrent writers never share it.
  const std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
  try {
    write(tmp);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error(fmt::format("cannot write '{}': rename from '{}' failed: {}", path, tmp, std::strerror(err)));
  }
}

void check_may_write(const std::string& path, bool overwrite, const std::string& option) {
  check_output({path, OutputKind::file, option, overwrite, {}});  // the one output policy
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    check(static_cast<bool>(out), "cannot write '{}': cannot open '{}' for writing", path, tmp);
    out << text;
    out.flush();
    check(static_cast<bool>(out), "cannot write '{}': write to '{}' failed (disk full?)", path, tmp);
  });
}

}  // namespace mno
