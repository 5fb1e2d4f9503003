// `mno info model CONFIG [key=value ...]`: builds the model of a config's `model:` section and
// prints its architecture summary and parameter counts (trainable, and frozen ones if any).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/config.h"
#include "mno/core/torch_compat.h"
#include "mno/models/neural_operator.h"

namespace mno::cli {

void add_info_command(CLI::App& app, Action& action) {
  auto* info = app.add_subcommand("info", "Describe what a config builds");
  info->require_subcommand(1);
  auto* model = info->add_subcommand("model", "Print a model's architecture and parameter counts");
  auto path = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto list_parameters = std::make_shared<bool>(false);
  model->add_flag("--parameters", *list_parameters,
                  "also list every parameter and buffer: name, shape (the names `mno import` maps onto)");
  model->add_option("config", *path, "YAML config with a `model:` section (configs/<dataset>/<model>.yaml)")->required();
  model->add_option("overrides", *overrides, "overrides of config keys, e.g. model.mixer.type=mamba");
  model->callback([&action, path, overrides, list_parameters] {
    action = [path, overrides, list_parameters] {
      Config config = Config::load_file(*path);
      config.apply_overrides(*overrides);
      const auto net = models::make_model(config.root().child("model"));
      fmt::print("{}", models::describe_model(*net));
      if (*list_parameters) {
        for (const auto& item : net->named_parameters())
          fmt::print("parameter {} {}\n", item.key(), compat::shape_str(item.value()));
        for (const auto& item : net->named_buffers())
          fmt::print("buffer {} {}\n", item.key(), compat::shape_str(item.value()));
      }
      return 0;
    };
  });
}

}  // namespace mno::cli
