#include "mno/run/training.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/remove_tree.h"
#include "mno/run/device.h"
#include "mno/run/saved_run.h"

namespace mno::run {
namespace fs = std::filesystem;
namespace {

torch::Device device_of(const train::RunConfig& run, const std::string& source) {
  return resolve_device(run.train.device, "train.device in " + source);
}

// An existing run at `dir`, moved aside (under its lock, so a run in progress is never touched)
// until the new run has replaced it; put back if the new one fails to start.
class SetAside {
 public:
  explicit SetAside(const std::string& dir) : dir_(dir) {
    // Held through the move, so no other process can start on the run in between; its lock file
    // moves with the directory and is removed with it.
    const RunLock in_use(RunPaths{dir});  // refuses a run that another process is training
    aside_ = fmt::format("{}.replaced.{}", RunPaths{dir}.normal_dir(), static_cast<long>(::getpid()));
    if (std::rename(dir.c_str(), aside_.c_str()) != 0)
      throw Error(fmt::format("--overwrite: cannot move the existing run '{}' aside", dir));
  }
  ~SetAside() {
    if (aside_.empty()) return;
    if (done_) remove_tree_noexcept(aside_);
    else {
      remove_tree_noexcept(dir_);
      std::rename(aside_.c_str(), dir_.c_str());
    }
  }
  void done() { done_ = true; }

 private:
  std::string dir_, aside_;
  bool done_ = false;
};

}  // namespace

TrainingRun start_training(const Config& given, const std::string& dir, bool overwrite) {
  // The readers below fill every default into this copy: config.yaml is the resolved config, so
  // a resumed run never depends on the file or the overrides it was started with.
  Config config = given.clone();
  const RunPaths paths{dir};
  const train::RunConfig run = train::read_run_config(config, paths.name());
  TrainingRun t;
  t.trainer = std::make_unique<train::Trainer>(config, run, device_of(run, config.root().source()), paths.train_files());

  std::optional<SetAside> old;
  if (overwrite && fs::exists(paths.config())) old.emplace(dir);
  const bool existed = fs::exists(dir);
  create_run_dir(dir);
  try {
    t.lock = RunLock(paths);
    t.trainer->begin();
    write_text_atomically(paths.config(), t.trainer->config().dump());
  } catch (...) {
    t.lock = RunLock();
    if (!existed) remove_tree_noexcept(dir);  // leave nothing half-made behind
    throw;
  }
  if (old) old->done();
  return t;
}

TrainingRun resume_training(const std::string& dir) {
  const RunPaths paths = open_run_dir(dir);
  TrainingRun t;
  t.lock = RunLock(paths);
  remove_stale_temporaries(paths);
  Config config = Config::load_file(paths.config());
  const train::RunConfig run = read_saved_run_config(config, paths);
  t.trainer = std::make_unique<train::Trainer>(std::move(config), run, device_of(run, paths.config()), paths.train_files());
  t.trainer->restore();
  return t;
}

TrainResult train_run(const TrainRequest& request) {
  check(request.config_path.empty() != request.resume.empty(), "mno train: give either -c CONFIG or --resume RUN_DIR");
  check(request.resume.empty() || request.overrides.empty(),
        "mno train --resume: overrides are not accepted; a resumed run continues with its own config.yaml");
  check(request.resume.empty() || !request.overwrite, "mno train --resume: --overwrite does not apply to a resumed run");
  TrainResult result;
  TrainingRun training;
  if (!request.resume.empty()) {
    result.run_dir = request.resume;
    training = resume_training(request.resume);
  } else {
    Config config = Config::load_file(request.config_path);
    config.apply_overrides(request.overrides);
    result.run_dir = request.out;
    if (result.run_dir.empty())
      result.run_dir =
          request.runs_dir + "/" + train::read_run_config(config.clone(), train::default_run_name(request.config_path)).name;
    training = start_training(config, result.run_dir, request.overwrite);
  }
  result.outcome = training->run(request.options);
  if (result.outcome.interrupted || !request.evaluate) return result;
  training.reset();  // free the training state (and the lock) before evaluating
  result.evaluation = evaluate_run(result.run_dir, "", "", request.options.progress);
  return result;
}

}  // namespace mno::run
