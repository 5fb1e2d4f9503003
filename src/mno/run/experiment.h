#pragma once
// One run's config, read once into typed parts (docs/training.md): the run's name, its task data,
// its training settings, the optimiser and schedule specs, and the model section the model
// registry builds. Everything a trainer or a saved run needs comes from here; nothing else reads
// the config.
//
// Reading never writes into what the user gave: the Config keeps the user's tree and, beside it,
// the resolved tree where every default a reader filled in is recorded (core/config.h). After
// read() and build_model() the resolved tree is complete, and resolved_yaml() is what a run saves
// as config.yaml: reading that file back gives the same Experiment (tests/run/test_experiment.cpp).
#include <string>
#include <vector>

#include "mno/core/config.h"
#include "mno/data/task_data.h"
#include "mno/models/neural_operator.h"
#include "mno/run/run_paths.h"
#include "mno/train/optimizer.h"
#include "mno/train/run_config.h"
#include "mno/train/schedule.h"
#include "mno/train/trainer.h"

namespace mno::run {

class Experiment {
 public:
  // Reads and checks every section (name, model, data, train with its optimizer and schedule);
  // unknown keys anywhere are errors naming them. `default_name` is used when the config has no
  // `name`. The model section is checked when the model is built (build_model).
  static Experiment read(Config config, const std::string& default_name);
  // A run directory's config.yaml (the run's name is its directory's when the file has none).
  static Experiment read_saved(const RunPaths& paths);
  // The same from `config`, the run's config.yaml already loaded (and, for mno train --resume,
  // given its data.file override).
  static Experiment read_saved(Config config, const RunPaths& paths);

  std::string name;
  data::DataConfig data;
  train::TrainConfig train;
  train::OptimizerSpec optimizer;
  train::ScheduleSpec schedule;

  // The model section, for the model registry.
  ConfigNode model_spec() const { return config_.root().child("model"); }
  // The model, built after seeding with train.seed (its initial weights follow the seed); its
  // defaults are recorded in the resolved config.
  models::NeuralOperator build_model() const;
  // What a Trainer is built from: these settings and a model from build_model().
  train::TrainerSetup trainer_setup() const;

  // The resolved config as YAML: what config.yaml and every checkpoint hold.
  std::string resolved_yaml() const { return config_.dump(); }
  // What the user gave (the file with its overrides), which reading never changes.
  std::string given_yaml() const { return config_.dump_as_given(); }
  // Where the config came from (a file's path, or "<config>"), for messages.
  const std::string& source() const { return source_; }

 private:
  explicit Experiment(Config config);
  Config config_;
  std::string source_;
};

}  // namespace mno::run
