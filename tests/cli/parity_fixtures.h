#pragma once
// The parity fixtures (tests/fixtures/parity/<name>/: the authors' checkpoint files and the mno
// model they were made from) as the CLI import and export tests use them.
#include <fstream>
#include <string>

#include <yaml-cpp/yaml.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/core/config.h"
#include "mno/parity/checkpoint_import.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {

// A file of the parity fixture `name`.
inline std::string fixture(const std::string& name, const std::string& file) {
  return source_dir() + "/tests/fixtures/parity/" + name + "/" + file;
}

// The tiny GT run config of the train tests with the model of a parity fixture (its mno_model),
// written to dir/<name>.yaml. `width_override`: another model.width (a config that does not fit
// the checkpoint), or "" for the fixture's.
inline std::string fixture_config(const data::testing::TempDir& dir, const std::string& name,
                                  const std::string& data_file, const std::string& width_override = "") {
  std::string model_json;
  for (const auto& [k, v] : parity::read_torch_entries(fixture(name, "data.pt")).strings)
    if (k == "mno_model") model_json = v;
  const Config config = train::testing::tiny_gt_config(data_file);
  YAML::Node root = config.root().yaml();
  root.remove("name");
  root["model"] = YAML::Load(model_json);
  if (!width_override.empty()) root["model"]["width"] = std::stoi(width_override);
  root["train"]["epochs"] = 1;
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << config.dump_as_given();
  return path;
}

}  // namespace mno::cli::testing
