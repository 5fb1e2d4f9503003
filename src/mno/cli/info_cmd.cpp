// `mno info model CONFIG [key=value ...]`: builds the model of a config's `model:` section and
// prints its architecture summary and parameter counts (trainable, and frozen ones if any).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/config.h"
#include "mno/models/neural_operator.h"

namespace mno::cli {

void add_info_command(CLI::App& app, Action& action) {
  auto* info = app.add_subcommand("info", "Describe what a config builds");
  info->require_subcommand(1);
  auto* model = info->add_subcommand("model", "Print a model's architecture and parameter counts");
  auto path = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  model->add_option("config", *path, "YAML config with a `model:` section (configs/<dataset>/<model>.yaml)")->required();
  model->add_option("overrides", *overrides, "overrides of config keys, e.g. model.mixer.type=mamba");
  model->callback([&action, path, overrides] {
    action = [path, overrides] {
      Config config = Config::load_file(*path);
      config.apply_overrides(*overrides);
      const auto net = models::make_model(config.root().child("model"));
      fmt::print("{}", models::describe_model(*net));
      return 0;
    };
  });
}

}  // namespace mno::cli
