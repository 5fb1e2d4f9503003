#pragma once
// Loading the repository's model configs in tests, with overrides.
#include <string>
#include <vector>

#include "mno/core/config.h"
#include "mno/models/neural_operator.h"

namespace mno::testing {

// The repository root (MNO_SOURCE_DIR from the environment, else the build's source dir).
std::string source_dir();
// configs/<relative>, with the given overrides applied.
Config load_config(const std::string& relative, const std::vector<std::string>& overrides = {});
models::NeuralOperator build_model(const std::string& relative, const std::vector<std::string>& overrides = {});
// Every configs/<dataset>/<file>.yaml, as "dataset/file.yaml", sorted.
std::vector<std::string> all_model_configs();

}  // namespace mno::testing
