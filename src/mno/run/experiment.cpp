#include "mno/run/experiment.h"

#include "mno/core/error.h"
#include "mno/core/seed.h"
#include "mno/train/training_length.h"

namespace mno::run {

Experiment::Experiment(Config config) : config_(std::move(config)), source_(config_.root().source()) {}

Experiment Experiment::read(Config config, const std::string& default_name) {
  Experiment e(std::move(config));
  const ConfigNode root = e.config_.root();
  e.name = root.get<std::string>("name", default_name);
  check(!e.name.empty() && e.name.find('/') == std::string::npos && e.name != "." && e.name != "..",
        "{}: key 'name': expected a directory name without '/', found '{}'", root.source(), e.name);
  root.child("model");  // checked by the model registry (build_model)
  e.data = data::read_data_config(root.child("data"));
  const ConfigNode train = root.child("train");
  e.train = train::read_train_config(train);
  e.optimizer = train::read_optimizer_spec(train.optional_child("optimizer"));
  e.schedule = train::read_schedule_spec(train.optional_child("schedule"), e.optimizer.hyper.lr);
  root.reject_unknown_keys();
  return e;
}

Experiment Experiment::read_saved(const RunPaths& paths) { return read_saved(Config::load_file(paths.config()), paths); }

Experiment Experiment::read_saved(Config config, const RunPaths& paths) {
  // A run saved by an older mno may hold both iterations and the epochs default beside it.
  train::drop_saved_default_epochs(config);
  return read(std::move(config), paths.name());
}

models::NeuralOperator Experiment::build_model() const {
  seed_everything(train.seed);
  return models::make_model(model_spec());
}

train::TrainerSetup Experiment::trainer_setup() const {
  train::TrainerSetup s;
  s.train = train;
  s.optimizer = optimizer;
  s.schedule = schedule;
  s.data = data;
  s.model = build_model();
  s.config_yaml = resolved_yaml();  // after the model's defaults are recorded
  s.source = source_;
  return s;
}

}  // namespace mno::run
