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

constexpr int64_t kSide = 8;  // the small test grid: 8 × 8, L = 64

// The config's model at the paper's sizes, except that the spectral layers (GT's regressor, FNO)
// keep 3 modes, so that the small grid holds them (2·modes <= side), and OFormer marches 5 steps
// instead of 91 (the same layers, a shorter test).
models::NeuralOperator build_small_model(const std::string& relative);

struct Inputs {
  torch::Tensor features, pos;
};
// Random features and the kSide × kSide grid's positions, on the CPU.
Inputs make_inputs(const models::NeuralOperatorImpl& model, int64_t batch, uint64_t seed);

}  // namespace mno::testing
