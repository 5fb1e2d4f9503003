#include "mno/run/run_paths.h"

#include <filesystem>
#include <fstream>

#include "mno/core/error.h"

namespace mno::run {
namespace fs = std::filesystem;

std::string RunPaths::normal_dir() const {
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // a trailing '/'
  return p.string();
}

std::string RunPaths::name() const { return fs::path(normal_dir()).filename().string(); }

train::TrainFiles RunPaths::train_files() const {
  return {dir, log(), checkpoint("last"), checkpoint("best"), normalisers()};
}

eval::ReportPaths RunPaths::report_paths() const { return {metrics(), along_time(), report(), plots()}; }

RunPaths create_run_dir(const std::string& dir) {
  RunPaths p{dir};
  check(!fs::exists(p.config()), "run directory '{}' already holds a run; continue it with `mno train --resume {}`, "
        "choose another name (name=... or --runs-dir), or replace it with --overwrite", dir, dir);
  try {
    fs::create_directories(p.checkpoints());
    fs::create_directories(p.normalisers());
    fs::create_directories(p.plots());
  } catch (const fs::filesystem_error& e) {
    throw Error(fmt::format("cannot create run directory '{}': {}", dir, e.code().message()));
  }
  // Fail now, not after an epoch, when the directory cannot be written.
  const std::string probe = p.checkpoints() + "/.write-test";
  {
    std::ofstream out(probe);
    check(static_cast<bool>(out << "ok"), "run directory '{}' is not writable", dir);
  }
  fs::remove(probe);
  return p;
}

void remove_stale_temporaries(const RunPaths& run) {
  for (const std::string& dir : {run.dir, run.checkpoints(), run.normalisers(), run.plots()}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(entry.path(), ec);
  }
}

RunPaths open_run_dir(const std::string& dir, const std::string& checkpoint) {
  RunPaths p{dir};
  check(fs::is_directory(dir), "run directory '{}' does not exist", dir);
  check(fs::exists(p.config()), "'{}' is not a run directory: it has no config.yaml", dir);
  if (!checkpoint.empty())
    check(fs::exists(p.checkpoint(checkpoint)), "run '{}' has no checkpoint '{}' (expected {})", dir, checkpoint,
          p.checkpoint(checkpoint));
  return p;
}

}  // namespace mno::run
