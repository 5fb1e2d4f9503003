#include "mno/train/training_length.h"

namespace mno::train {
namespace {

// The config's train: mapping (a handle aliasing the tree Config holds), or a null node.
YAML::Node train_section(const Config& config) {
  YAML::Node root = config.root().yaml();
  if (!root.IsMap()) return YAML::Node();
  YAML::Node train = root["train"];
  return train.IsDefined() && train.IsMap() ? train : YAML::Node();
}

bool has_positive_iterations(const YAML::Node& train) {
  return train.IsMap() && train["iterations"].IsDefined() && train["iterations"].as<int64_t>(0) > 0;
}

std::string key_of(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

}  // namespace

void apply_run_overrides(Config& config, const std::vector<std::string>& overrides) {
  config.apply_overrides(overrides);
  bool epochs = false, iterations = false;
  for (const auto& o : overrides) {
    epochs = epochs || key_of(o) == "train.epochs";
    iterations = iterations || key_of(o) == "train.iterations";
  }
  if (epochs == iterations) return;  // neither (the file decides), or both (read_train_config decides)
  YAML::Node train = train_section(config);
  if (!train.IsMap()) return;
  if (epochs) train.remove("iterations");
  else if (has_positive_iterations(train)) train.remove("epochs");
  else return;
  // Parsed again from the edited tree, so that every view of the config (what readers read and
  // what Config::dump() saves as config.yaml) has the key removed.
  YAML::Emitter text;
  text << config.root().yaml();
  config = Config::parse(text.c_str(), config.root().source());
}

void drop_saved_default_epochs(Config& config) {
  const YAML::Node train = train_section(config);
  if (has_positive_iterations(train) && train["epochs"].IsDefined()) config.remove("train", "epochs");
}

}  // namespace mno::train
