#include "mno/workflows/training.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <functional>
#include <filesystem>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/core/remove_tree.h"
#include "mno/run/device.h"
#include "mno/run/experiment.h"
#include "mno/run/saved_run.h"
#include "mno/train/training_length.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace fs = std::filesystem;
namespace {

// A rank of a data-parallel job on CUDA trains on its own GPU, the one its process group uses.
torch::Device device_of(const Experiment& experiment, const std::shared_ptr<train::Collectives>& collectives = nullptr) {
  const torch::Device d = resolve_device(experiment.train.device, "train.device in " + experiment.source());
  return collectives && d.is_cuda() ? collectives->device() : d;
}

// Before any work: `dir` is a directory (or new) and, when --overwrite would replace it, does
// not hold the data the new run trains on.
void check_run_dir_output(const std::string& dir, const Experiment& run, bool overwrite) {
  OutputSpec out;
  out.path = dir;
  out.kind = OutputKind::directory;
  out.option = "--out";
  out.overwrite = overwrite;
  if (overwrite) out.inputs.push_back({"data.file", run.data.file});
  check_output_kind_and_inputs(out);
}

}  // namespace

// An existing run at `dir`, moved aside (under its lock, so a run in progress is never touched)
// until the new run has written its first checkpoint; put back if the new one fails before that.
class ReplacedRun {
 public:
  explicit ReplacedRun(const std::string& dir) : dir_(dir), new_checkpoint_(RunPaths{dir}.checkpoint("last")) {
    // Held through the move, so no other process can start on the run in between.
    const RunLock in_use(RunPaths{dir});  // refuses a run that another process is training
    aside_ = fmt::format("{}.replaced.{}", RunPaths{dir}.normal_dir(), static_cast<long>(::getpid()));
    if (std::rename(dir.c_str(), aside_.c_str()) != 0)
      throw Error(fmt::format("--overwrite: cannot move the existing run '{}' aside to '{}': {}", dir, aside_,
                              std::strerror(errno)));
    // Our lock moved with the directory: without it, a run put back is not left "in use" by us.
    std::remove((aside_ + "/.lock").c_str());
  }
  ~ReplacedRun() {
    std::error_code ec;
    if (fs::exists(new_checkpoint_, ec)) {
      remove_tree_noexcept(aside_);
      return;
    }
    remove_tree_noexcept(dir_);
    if (std::rename(aside_.c_str(), dir_.c_str()) == 0)
      log::warn("the new run failed before its first checkpoint; the earlier run is back in '{}'", dir_);
    else
      log::warn("the new run failed before its first checkpoint, and the earlier run could not be put back: it is "
                 "in '{}'", aside_);
  }
  ReplacedRun(const ReplacedRun&) = delete;
  ReplacedRun& operator=(const ReplacedRun&) = delete;

 private:
  std::string dir_, new_checkpoint_, aside_;
};

namespace {

// data.file made absolute (from the directory the run is made in), the path as typed kept beside
// it as data.file_as_typed: config.yaml then finds the data from wherever the run is used.
void store_data_path(Config& config) {
  const YAML::Node root = config.root().yaml();
  const YAML::Node data = root["data"];
  if (!data.IsMap() || !data["file"] || !data["file"].IsScalar()) return;  // Experiment::read names what is wrong
  const std::string typed = data["file"].as<std::string>();
  if (typed.empty()) return;
  config.set("data", "file", fs::absolute(typed).lexically_normal().string());
  config.set("data", "file_as_typed", typed);
}

// The overrides a resumed run accepts: data.file only, its data found elsewhere (moved, or the
// run used from another machine). Any other key would make it another run than its checkpoints.
void apply_resume_overrides(Config& config, const std::vector<std::string>& overrides, const std::string& dir) {
  if (overrides.empty()) return;
  for (const std::string& o : overrides) {
    const std::string key = o.substr(0, o.find('='));
    check(key == "data.file",
          "mno train --resume: '{}' is not accepted: a resumed run takes data.file=FILE alone (its data moved); any "
          "other key would change the run its checkpoints belong to: start a new run with -c {}/config.yaml {}",
          o, dir, o);
  }
  config.apply_overrides(overrides);
  store_data_path(config);
}

}  // namespace

Experiment read_new_experiment(const Config& given, const std::string& default_name) {
  Config config = given.clone();
  store_data_path(config);
  return Experiment::read(std::move(config), default_name);
}

TrainingRun start_training(const Config& config, const std::string& dir, bool overwrite,
                           std::shared_ptr<train::Collectives> collectives, data::DataUse use) {
  return start_training(read_new_experiment(config, RunPaths{dir}.name()), dir, overwrite, std::move(collectives), use);
}

TrainingRun start_training(const Experiment& experiment, const std::string& dir, bool overwrite,
                           std::shared_ptr<train::Collectives> collectives, data::DataUse use) {
  const RunPaths paths{dir};
  check_run_dir_output(dir, experiment, overwrite);
  TrainingRun t;
  t.trainer = std::make_unique<train::Trainer>(experiment.trainer_setup(), device_of(experiment, collectives),
                                               paths.train_files(), collectives, use);

  if (overwrite && fs::exists(paths.config())) t.replaced = std::make_shared<ReplacedRun>(dir);
  const bool existed = fs::exists(dir);
  try {
    create_run_dir(dir);
    t.lock = RunLock(paths);
    t.trainer->begin();
    // Written once, complete: every default the readers and the model filled in.
    write_text_atomically(paths.config(), experiment.resolved_yaml());
  } catch (...) {
    t.lock = RunLock();
    if (!existed) remove_tree_noexcept(dir);  // leave nothing half-made behind
    throw;  // t.replaced, released now, puts the earlier run back
  }
  return t;
}

namespace {

// The run's config.yaml as a resumed run reads it, with its data.file override.
Experiment saved_experiment(const RunPaths& paths, const std::vector<std::string>& overrides) {
  Config config = Config::load_file(paths.config());
  apply_resume_overrides(config, overrides, paths.dir);
  return Experiment::read_saved(std::move(config), paths);
}

TrainingRun continue_training(const RunPaths& paths, const Experiment& experiment,
                              std::shared_ptr<train::Collectives> collectives) {
  TrainingRun t;
  check_run_data_file(paths.dir, experiment.data);
  t.trainer = std::make_unique<train::Trainer>(experiment.trainer_setup(), device_of(experiment, collectives),
                                               paths.train_files(), collectives);
  t.trainer->restore();
  return t;
}

}  // namespace

TrainingRun resume_training(const std::string& dir, std::shared_ptr<train::Collectives> collectives,
                            const std::vector<std::string>& overrides) {
  const RunPaths paths = open_run_dir(dir);
  RunLock lock(paths);
  remove_stale_temporaries(paths);
  const Experiment experiment = saved_experiment(paths, overrides);
  TrainingRun t = continue_training(paths, experiment, std::move(collectives));
  // Saved only once the run has taken the new data: a file that does not fit leaves config.yaml as it was.
  if (!overrides.empty()) write_text_atomically(paths.config(), experiment.resolved_yaml());
  t.lock = std::move(lock);
  return t;
}

TrainingRun join_training(const std::string& dir, std::shared_ptr<train::Collectives> collectives) {
  const RunPaths paths = open_run_dir(dir);
  return continue_training(paths, Experiment::read_saved(paths), std::move(collectives));
}

namespace {

void check_request(const TrainRequest& request) {
  check(request.config_path.empty() != request.resume.empty(), "mno train: give either -c CONFIG or --resume RUN_DIR");
  check(request.resume.empty() || !request.overwrite, "mno train --resume: --overwrite does not apply to a resumed run");
}

// A new run's config (with its overrides), read once, and the directory it goes to: --out, or
// <runs-dir>/<name>.
Experiment new_run_experiment(const TrainRequest& request, std::string& run_dir) {
  Config config = Config::load_file(request.config_path);
  train::apply_run_overrides(config, request.overrides);  // epochs/iterations: one replaces the other
  // The name a run takes when its config has none: its directory's, which is --out's or, without
  // --out, the one made from the config's path.
  const std::string default_name =
      request.out.empty() ? train::default_run_name(request.config_path) : RunPaths{request.out}.name();
  Experiment experiment = read_new_experiment(config, default_name);
  run_dir = request.out.empty() ? request.runs_dir + "/" + experiment.name : request.out;
  // Before any work: the config file is an input too; --overwrite must not delete it with the run
  // it sits in (start_training checks data.file).
  if (request.overwrite) check_output_kind_and_inputs({run_dir, OutputKind::directory, "--out", true, {{"-c", request.config_path}}});
  return experiment;
}

TrainResult finish(TrainResult result, TrainingRun training, const TrainRequest& request) {
  result.outcome = training->run(request.options);
  if (result.outcome.interrupted || !request.evaluate) return result;
  training.reset();  // free the training state (and the lock) before evaluating
  result.evaluation = evaluate_run(result.run_dir, "", "", request.options.progress);
  return result;
}

// One rank of a data-parallel job. Every rank reads the same config first (so they agree on the
// backend, the device and the timeout), then rank 0 sets the run up as a single process would,
// and the others join it once it has; a failure on any rank stops all of them.
TrainResult train_distributed(const TrainRequest& request, const train::DistributedEnv& env) {
  TrainResult result;
  result.rank = env.rank;
  // Every rank reads the config; rank 0 sets the run up from what it read, the others join it
  // from the config.yaml rank 0 wrote (join_training).
  std::optional<Experiment> experiment;
  if (request.resume.empty()) {
    experiment = new_run_experiment(request, result.run_dir);
  } else {
    result.run_dir = request.resume;
    experiment = Experiment::read_saved(open_run_dir(request.resume));
  }
  const train::TrainConfig& run = experiment->train;
  torch::Device device = resolve_device(run.device, "train.device in " + experiment->source());
  if (device.is_cuda()) {
    check(env.local_rank < static_cast<int>(torch::cuda::device_count()),
          "rank {}: LOCAL_RANK is {}, but this machine has {} CUDA device(s); start one process per GPU", env.rank,
          env.local_rank, torch::cuda::device_count());
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  }
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(run.distributed_timeout_s * 1000.0));
  const auto collectives = train::Collectives::connect(env, run.backend, device, timeout);

  TrainingRun training;
  bool ok = true;
  std::string error;
  const auto attempt = [&](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      ok = false;
      error = train::describe_exception(e);
    }
  };
  if (env.rank == 0)
    attempt([&] {
      training = request.resume.empty() ? start_training(*experiment, result.run_dir, request.overwrite, collectives)
                                        : resume_training(request.resume, collectives, request.overrides);
    });
  collectives->agree_or_throw(ok, error, "setting up the run");
  if (env.rank != 0) attempt([&] { training = join_training(result.run_dir, collectives); });
  collectives->agree_or_throw(ok, error, "joining the run");
  if (env.rank != 0) {
    result.outcome = training->run(request.options);
    return result;
  }
  return finish(std::move(result), std::move(training), request);
}

}  // namespace

TrainResult train_run(const TrainRequest& request) {
  check_request(request);
  const train::DistributedEnv env = train::distributed_env_from_environment();
  if (env.active()) return train_distributed(request, env);
  TrainResult result;
  TrainingRun training;
  if (!request.resume.empty()) {
    result.run_dir = request.resume;
    training = resume_training(request.resume, nullptr, request.overrides);
  } else {
    const Experiment experiment = new_run_experiment(request, result.run_dir);
    training = start_training(experiment, result.run_dir, request.overwrite);
  }
  return finish(std::move(result), std::move(training), request);
}

}  // namespace mno::workflows
